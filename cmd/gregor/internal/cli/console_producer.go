package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// runConsoleProducer is kafka-console-producer.sh: each line of standard
// input is a record's value, or with parse.key=true a key, key.separator
// (a tab by default) and a value.
func runConsoleProducer(ctx context.Context, e env, args []string) int {
	fs, cf := newFlagSet(e, "console-producer", "Sends each line of standard input as a record, as kafka-console-producer.sh.")
	topic := fs.String("topic", "", "REQUIRED: the topic to produce to")
	acks := fs.String("request-required-acks", "-1", "acks: -1 (all in-sync replicas), 1 (the leader) or 0 (none)")
	codec := fs.String("compression-codec", "none", "compression.type: none, gzip, snappy, lz4 or zstd")
	linger := fs.Int("timeout", 1000, "linger.ms: how long a record may wait for its batch to fill, in ms")
	batchSize := fs.Int("batch-size", 16384, "batch.size: the largest batch, in bytes")
	syncSend := fs.Bool("sync", false, "send each record and wait for its acknowledgement before reading the next line")
	var props, producerProps listFlag
	fs.Var(&props, "property", "a line reader property: parse.key=true, key.separator=: (repeatable)")
	fs.Var(&producerProps, "producer-property", "a producer config: acks, linger.ms, batch.size, compression.type (repeatable)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *topic == "" {
		return usageError(fs, "--topic is required")
	}
	reader, err := properties(props)
	if err != nil {
		return usageError(fs, "--property: %v", err)
	}
	pp, err := properties(producerProps)
	if err != nil {
		return usageError(fs, "--producer-property: %v", err)
	}
	// The specific flags win over --producer-property, as in Kafka.
	cfg := producerConfig{acks: *acks, compression: *codec, lingerMs: strconv.Itoa(*linger), batchSize: strconv.Itoa(*batchSize)}
	cfg.override(pp, fs)
	opts, err := cfg.opts()
	if err != nil {
		return usageError(fs, "%v", err)
	}
	cl, err := cf.client(ctx, append(opts, kgo.DefaultProduceTopic(*topic))...)
	if err != nil {
		return fail(e, "console-producer", err)
	}
	defer cl.Close()
	if err := produceLines(ctx, e, cl, reader, *syncSend); err != nil {
		return fail(e, "console-producer", err)
	}
	return exitOK
}

// producerConfig holds the producer configs the tools accept, by their
// Kafka names, as strings until opts parses them.
type producerConfig struct {
	acks, compression, lingerMs, batchSize string
}

// override applies --producer-property (or --producer-props) values for
// the configs whose flags were not given.
func (c *producerConfig) override(props map[string]string, fs *flag.FlagSet) {
	pick := func(dst *string, prop, flagName string) {
		if v, ok := props[prop]; ok && !flagSet(fs, flagName) {
			*dst = v
		}
	}
	pick(&c.acks, "acks", "request-required-acks")
	pick(&c.compression, "compression.type", "compression-codec")
	pick(&c.lingerMs, "linger.ms", "timeout")
	pick(&c.batchSize, "batch.size", "batch-size")
}

func (c *producerConfig) opts() ([]kgo.Opt, error) {
	var opts []kgo.Opt
	switch c.acks {
	case "-1", "all":
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	case "1":
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	case "0":
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	default:
		return nil, fmt.Errorf("acks %q: want -1, all, 1 or 0", c.acks)
	}
	codecs := map[string]kgo.CompressionCodec{
		"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(),
		"lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression(),
	}
	codec, ok := codecs[c.compression]
	if !ok {
		return nil, fmt.Errorf("compression %q: want none, gzip, snappy, lz4 or zstd", c.compression)
	}
	opts = append(opts, kgo.ProducerBatchCompression(codec))
	linger, err := strconv.Atoi(c.lingerMs)
	if err != nil || linger < 0 {
		return nil, fmt.Errorf("linger.ms %q: want a number of milliseconds", c.lingerMs)
	}
	opts = append(opts, kgo.ProducerLinger(time.Duration(linger)*time.Millisecond))
	batch, err := strconv.Atoi(c.batchSize)
	if err != nil || batch <= 0 {
		return nil, fmt.Errorf("batch.size %q: want a positive number of bytes", c.batchSize)
	}
	return append(opts, kgo.ProducerBatchMaxBytes(int32(batch))), nil
}

// produceLines reads standard input to its end, producing a record per
// line, then waits for every acknowledgement.
func produceLines(ctx context.Context, e env, cl *kgo.Client, props map[string]string, syncSend bool) error {
	parseKey := props["parse.key"] == "true"
	sep := "\t"
	if s, ok := props["key.separator"]; ok {
		sep = s
	}
	var (
		mu       sync.Mutex
		firstErr error
	)
	promise := func(_ *kgo.Record, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	sc := bufio.NewScanner(e.stdin)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		r := &kgo.Record{Value: []byte(line)}
		if parseKey {
			key, value, ok := strings.Cut(line, sep)
			if !ok {
				return kafkaErr("No key separator found on line number %d: '%s'", n, line)
			}
			r.Key, r.Value = []byte(key), []byte(value)
		}
		if syncSend {
			if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
				return err
			}
			continue
		}
		cl.Produce(ctx, r, promise)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading standard input: %w", err)
	}
	if err := cl.Flush(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	return firstErr
}
