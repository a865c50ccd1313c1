package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// runProducerPerf is kafka-producer-perf-test.sh (ProducerPerformance):
// it sends --num-records records of --record-size random bytes, at most
// --throughput a second, printing a line every five seconds and a total
// with latency percentiles. Latency is from the send to the broker's
// acknowledgement, so acks, linger.ms and batch.size show in it.
func runProducerPerf(ctx context.Context, e env, args []string) int {
	fs, cf := newFlagSet(e, "producer-perf-test", "Measures produce throughput and latency, as kafka-producer-perf-test.sh.")
	topic := fs.String("topic", "", "REQUIRED: the topic to produce to")
	numRecords := fs.Int64("num-records", 0, "REQUIRED: how many records to send")
	recordSize := fs.Int("record-size", 0, "REQUIRED: each record's size in bytes")
	throughput := fs.Float64("throughput", 0, "REQUIRED: the most records a second, or -1 for no limit")
	var props listFlag
	fs.Var(&props, "producer-props", "producer configs: acks=1 linger.ms=5 batch.size=16384 compression.type=lz4")
	if code, ok := parseWithTrailingProps(fs, args, &props); !ok {
		return code
	}
	if *topic == "" || *numRecords <= 0 || *recordSize <= 0 || !flagSet(fs, "throughput") {
		return usageError(fs, "--topic, --num-records, --record-size and --throughput are required")
	}
	pp, err := properties(props)
	if err != nil {
		return usageError(fs, "--producer-props: %v", err)
	}
	// Kafka's producer defaults, which the console producer overrides.
	cfg := producerConfig{acks: "all", compression: "none", lingerMs: "5", batchSize: "16384"}
	cfg.override(pp, fs)
	opts, err := cfg.opts()
	if err != nil {
		return usageError(fs, "%v", err)
	}
	cl, err := cf.client(ctx, append(opts, kgo.DefaultProduceTopic(*topic))...)
	if err != nil {
		return fail(e, "producer-perf-test", err)
	}
	defer cl.Close()

	payload := make([]byte, *recordSize)
	for i := range payload {
		payload[i] = byte('A' + rand.IntN(26)) // as Kafka: random uppercase letters
	}
	stats := newPerfStats(e.stdout, time.Now())
	var firstErr error
	var errOnce sync.Once
	start := time.Now()
	for i := int64(0); i < *numRecords && ctx.Err() == nil; i++ {
		if *throughput > 0 {
			throttle(ctx, start, i, *throughput)
		}
		sent := time.Now()
		cl.Produce(ctx, &kgo.Record{Value: payload}, func(r *kgo.Record, err error) {
			if err != nil {
				errOnce.Do(func() { firstErr = err })
				return
			}
			stats.record(time.Now(), time.Since(sent), len(r.Value))
		})
	}
	if err := cl.Flush(ctx); err != nil {
		return fail(e, "producer-perf-test", err)
	}
	stats.printTotal(time.Now())
	if firstErr != nil {
		return fail(e, "producer-perf-test", firstErr)
	}
	return exitOK
}

// throttle waits until record i is due at the given records a second,
// as Kafka's ThroughputThrottler does.
func throttle(ctx context.Context, start time.Time, i int64, perSec float64) {
	due := start.Add(time.Duration(float64(i) / perSec * float64(time.Second)))
	if d := time.Until(due); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
}

// parseWithTrailingProps parses args, taking the name=value arguments
// that follow a props flag as more props: Kafka's --producer-props takes
// several values (--producer-props acks=1 linger.ms=5).
func parseWithTrailingProps(fs *flag.FlagSet, args []string, props *listFlag) (int, bool) {
	for {
		if err := fs.Parse(args); err != nil {
			return parse(fs, args) // reports as parse does
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return 0, true
		}
		if !strings.Contains(rest[0], "=") || len(*props) == 0 {
			return parse(fs, rest)
		}
		for len(rest) > 0 && strings.Contains(rest[0], "=") && !strings.HasPrefix(rest[0], "-") {
			props.Set(rest[0])
			rest = rest[1:]
		}
		args = rest
	}
}

// perfStats are ProducerPerformance's statistics: totals, latencies for
// the percentiles, and a five-second window for the progress lines.
type perfStats struct {
	mu                          sync.Mutex
	out                         io.Writer
	start, windowStart          time.Time
	count, bytes, windowCount   int64
	windowBytes                 int64
	totalLatency, windowLatency time.Duration
	maxLatency, windowMax       time.Duration
	latencies                   []time.Duration
}

func newPerfStats(out io.Writer, now time.Time) *perfStats {
	return &perfStats{out: out, start: now, windowStart: now}
}

func (s *perfStats) record(now time.Time, latency time.Duration, size int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count++
	s.bytes += int64(size)
	s.totalLatency += latency
	s.maxLatency = max(s.maxLatency, latency)
	s.latencies = append(s.latencies, latency)
	s.windowCount++
	s.windowBytes += int64(size)
	s.windowLatency += latency
	s.windowMax = max(s.windowMax, latency)
	if now.Sub(s.windowStart) >= 5*time.Second {
		s.printWindow(now)
		s.windowStart, s.windowCount, s.windowBytes, s.windowLatency, s.windowMax = now, 0, 0, 0, 0
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (s *perfStats) printWindow(now time.Time) {
	elapsed := max(now.Sub(s.windowStart), time.Millisecond)
	fmt.Fprintf(s.out, "%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.\n",
		s.windowCount, float64(s.windowCount)/elapsed.Seconds(), float64(s.windowBytes)/elapsed.Seconds()/(1024*1024),
		ms(s.windowLatency)/float64(max(s.windowCount, 1)), ms(s.windowMax))
}

func (s *perfStats) printTotal(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	elapsed := max(now.Sub(s.start), time.Millisecond)
	slices.Sort(s.latencies)
	perc := func(p float64) int64 {
		if len(s.latencies) == 0 {
			return 0
		}
		return s.latencies[int(p*float64(len(s.latencies)))].Milliseconds()
	}
	fmt.Fprintf(s.out, "%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.\n",
		s.count, float64(s.count)/elapsed.Seconds(), float64(s.bytes)/elapsed.Seconds()/(1024*1024),
		ms(s.totalLatency)/float64(max(s.count, 1)), ms(s.maxLatency), perc(0.5), perc(0.95), perc(0.99), perc(0.999))
}
