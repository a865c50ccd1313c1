package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// runConsumerPerf is kafka-consumer-perf-test.sh (ConsumerPerformance):
// a group member consumes --messages records from the start of --topic
// and prints one line of totals: the data and records consumed, their
// rates, the time the group's join took (rebalance.time.ms), and the
// rates over the fetching time alone.
func runConsumerPerf(ctx context.Context, e env, args []string) int {
	fs, cf := newFlagSet(e, "consumer-perf-test", "Measures consume throughput, as kafka-consumer-perf-test.sh.")
	topic := fs.String("topic", "", "REQUIRED: the topic to consume")
	messages := fs.Int64("messages", 0, "REQUIRED: how many records to consume")
	group := fs.String("group", fmt.Sprintf("perf-consumer-%d", rand.IntN(100000)), "the consumer group")
	timeoutMs := fs.Int("timeout", 10000, "give up when no record came for this many ms")
	fromLatest := fs.Bool("from-latest", false, "start at the latest offset, not the earliest, without a committed offset")
	hideHeader := fs.Bool("hide-header", false, "do not print the header line")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *topic == "" || *messages <= 0 {
		return usageError(fs, "--topic and --messages are required")
	}
	reset := kgo.NewOffset().AtStart()
	if *fromLatest {
		reset = kgo.NewOffset().AtEnd()
	}
	var (
		mu       sync.Mutex
		assigned time.Time
	)
	start := time.Now()
	cl, err := cf.client(ctx, kgo.ConsumeTopics(*topic), kgo.ConsumerGroup(*group), kgo.ConsumeResetOffset(reset),
		kgo.OnPartitionsAssigned(func(context.Context, *kgo.Client, map[string][]int32) {
			mu.Lock()
			defer mu.Unlock()
			if assigned.IsZero() {
				assigned = time.Now()
			}
		}))
	if err != nil {
		return fail(e, "consumer-perf-test", err)
	}
	defer cl.Close()

	var n, bytes int64
	for n < *messages {
		pollCtx, cancel := context.WithTimeout(ctx, time.Duration(*timeoutMs)*time.Millisecond)
		fetches := cl.PollRecords(pollCtx, int(*messages-n))
		timedOut := pollCtx.Err() != nil // before cancel, which would set it
		cancel()
		if ctx.Err() != nil || timedOut {
			break
		}
		if err := fetchErr(fetches); err != nil {
			return fail(e, "consumer-perf-test", err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			n++
			bytes += int64(len(r.Key) + len(r.Value))
		})
	}
	end := time.Now()
	if n < *messages {
		fmt.Fprintf(e.stderr, "WARNING: Exiting before consuming the expected number of messages: timeout (%d ms) exceeded.\n", *timeoutMs)
	}
	mu.Lock()
	rebalance := time.Duration(0)
	if !assigned.IsZero() {
		rebalance = assigned.Sub(start)
	}
	mu.Unlock()
	if !*hideHeader {
		fmt.Fprintln(e.stdout, "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec")
	}
	mb := float64(bytes) / (1024 * 1024)
	total := max(end.Sub(start), time.Millisecond).Seconds()
	fetchTime := max(end.Sub(start)-rebalance, time.Millisecond)
	// Kafka's format, yyyy-MM-dd HH:mm:ss:SSS, which Go's layouts cannot
	// spell (a colon before the milliseconds).
	stamp := func(t time.Time) string { return fmt.Sprintf("%s:%03d", t.Format(time.DateTime), t.Nanosecond()/1e6) }
	fmt.Fprintf(e.stdout, "%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f\n",
		stamp(start), stamp(end), mb, mb/total, n, float64(n)/total,
		rebalance.Milliseconds(), fetchTime.Milliseconds(), mb/fetchTime.Seconds(), float64(n)/fetchTime.Seconds())
	if n < *messages {
		return exitError
	}
	return exitOK
}
