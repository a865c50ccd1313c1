package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// runConsoleConsumer is kafka-console-consumer.sh: it prints each record
// as Kafka's DefaultMessageFormatter does, until --max-messages,
// --timeout-ms without a record, or Ctrl-C.
func runConsoleConsumer(ctx context.Context, e env, args []string) int {
	fs, cf := newFlagSet(e, "console-consumer", "Prints records to standard output, as kafka-console-consumer.sh.")
	topic := fs.String("topic", "", "REQUIRED: the topic to consume")
	partition := fs.Int("partition", -1, "consume this partition only; -1: all")
	offset := fs.String("offset", "latest", "with --partition: earliest, latest or an offset to start at")
	fromBeginning := fs.Bool("from-beginning", false, "start at the earliest offset, not the latest, when there is no committed offset")
	group := fs.String("group", "", "consume as a member of this consumer group, committing offsets")
	maxMessages := fs.Int("max-messages", -1, "exit after this many records; -1: no limit")
	isolation := fs.String("isolation-level", "read_uncommitted", "read_uncommitted, or read_committed to skip aborted transactions")
	timeoutMs := fs.Int("timeout-ms", -1, "exit when no record came in this many ms; -1: wait forever")
	var props, consumerProps listFlag
	fs.Var(&props, "property", "a formatter property: print.key, print.timestamp, print.partition, print.offset, print.headers, print.value, key.separator, line.separator (repeatable)")
	fs.Var(&consumerProps, "consumer-property", "a consumer config: group.id, auto.offset.reset, isolation.level (repeatable)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *topic == "" {
		return usageError(fs, "--topic is required")
	}
	fmtProps, err := properties(props)
	if err != nil {
		return usageError(fs, "--property: %v", err)
	}
	cp, err := properties(consumerProps)
	if err != nil {
		return usageError(fs, "--consumer-property: %v", err)
	}
	if *group == "" {
		*group = cp["group.id"]
	}
	if v, ok := cp["isolation.level"]; ok && !flagSet(fs, "isolation-level") {
		*isolation = v
	}
	reset := kgo.NewOffset().AtEnd()
	if *fromBeginning || cp["auto.offset.reset"] == "earliest" {
		reset = kgo.NewOffset().AtStart()
	}
	opts := []kgo.Opt{kgo.ConsumeResetOffset(reset)}
	switch *isolation {
	case "read_uncommitted":
	case "read_committed":
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	default:
		return usageError(fs, "--isolation-level %q: want read_uncommitted or read_committed", *isolation)
	}
	switch {
	case *partition >= 0:
		if *group != "" {
			return usageError(fs, "--partition and --group are exclusive: a group's members are assigned their partitions")
		}
		start, err := startOffset(*offset, *fromBeginning)
		if err != nil {
			return usageError(fs, "%v", err)
		}
		opts = append(opts, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{*topic: {int32(*partition): start}}))
	case flagSet(fs, "offset"):
		return usageError(fs, "--offset needs --partition")
	case *group != "":
		opts = append(opts, kgo.ConsumeTopics(*topic), kgo.ConsumerGroup(*group), kgo.AutoCommitMarks())
	default:
		opts = append(opts, kgo.ConsumeTopics(*topic))
	}
	f, err := newFormatter(fmtProps)
	if err != nil {
		return usageError(fs, "--property: %v", err)
	}
	cl, err := cf.client(ctx, opts...)
	if err != nil {
		return fail(e, "console-consumer", err)
	}
	defer cl.Close()
	n, err := consume(ctx, e, cl, f, *maxMessages, *timeoutMs, *group != "")
	fmt.Fprintf(e.stderr, "Processed a total of %d messages\n", n)
	if err != nil {
		return fail(e, "console-consumer", err)
	}
	return exitOK
}

// startOffset parses --offset: earliest, latest or a non-negative offset.
func startOffset(s string, fromBeginning bool) (kgo.Offset, error) {
	switch s {
	case "earliest":
		return kgo.NewOffset().AtStart(), nil
	case "latest":
		if fromBeginning {
			return kgo.NewOffset().AtStart(), nil
		}
		return kgo.NewOffset().AtEnd(), nil
	}
	o, err := strconv.ParseInt(s, 10, 64)
	if err != nil || o < 0 {
		return kgo.Offset{}, fmt.Errorf("--offset %q: want earliest, latest or a non-negative offset", s)
	}
	return kgo.NewOffset().At(o), nil
}

// consume polls and prints records until max records (max < 0: no
// limit), a poll of timeoutMs without records (timeoutMs < 0: none), or
// the context's end, which is a normal exit: that is how Ctrl-C stops a
// console consumer. In a group, it commits what it printed.
func consume(ctx context.Context, e env, cl *kgo.Client, f *formatter, max, timeoutMs int, group bool) (int, error) {
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	n := 0
	for max < 0 || n < max {
		pollCtx, cancel := ctx, context.CancelFunc(func() {})
		if timeoutMs >= 0 {
			pollCtx, cancel = context.WithTimeout(ctx, time.Duration(timeoutMs)*time.Millisecond)
		}
		fetches := cl.PollRecords(pollCtx, max-n)
		timedOut := pollCtx.Err() != nil // before cancel, which would set it
		cancel()
		if ctx.Err() != nil || timedOut {
			break
		}
		if err := fetchErr(fetches); err != nil {
			return n, err
		}
		for _, r := range fetches.Records() {
			if max >= 0 && n == max {
				break
			}
			f.format(out, r)
			n++
			if group {
				cl.MarkCommitRecords(r)
			}
		}
		if err := out.Flush(); err != nil {
			return n, err
		}
	}
	if group {
		// The context may be done (Ctrl-C): commit with a fresh one.
		commitCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := cl.CommitMarkedOffsets(commitCtx); err != nil {
			return n, fmt.Errorf("committing offsets: %w", err)
		}
	}
	return n, nil
}

// fetchErr returns the first error that is not the end of a poll.
func fetchErr(fs kgo.Fetches) error {
	var first error
	fs.EachError(func(_ string, _ int32, err error) {
		if first == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			first = err
		}
	})
	return first
}

// formatter is Kafka's DefaultMessageFormatter: the fields asked for, in
// the order timestamp, partition, offset, headers, key, value, each
// followed by key.separator and the last by line.separator.
type formatter struct {
	timestamp, partition, offset, headers, key, value bool
	keySep, lineSep, headersSep, headerKeySep, null   string
}

func newFormatter(props map[string]string) (*formatter, error) {
	f := &formatter{value: true, keySep: "\t", lineSep: "\n", headersSep: ",", headerKeySep: ":", null: "null"}
	bools := map[string]*bool{
		"print.timestamp": &f.timestamp, "print.partition": &f.partition, "print.offset": &f.offset,
		"print.headers": &f.headers, "print.key": &f.key, "print.value": &f.value,
	}
	strs := map[string]*string{
		"key.separator": &f.keySep, "line.separator": &f.lineSep, "headers.separator": &f.headersSep,
		"headers.key.separator": &f.headerKeySep, "null.literal": &f.null,
	}
	for name, v := range props {
		if b, ok := bools[name]; ok {
			*b = strings.EqualFold(strings.TrimSpace(v), "true")
		} else if s, ok := strs[name]; ok {
			*s = v
		} else {
			return nil, fmt.Errorf("unknown property %q", name)
		}
	}
	return f, nil
}

func (f *formatter) format(w io.Writer, r *kgo.Record) {
	var cols []string
	if f.timestamp {
		typ := "CreateTime"
		if r.Attrs.TimestampType() == 1 {
			typ = "LogAppendTime"
		}
		cols = append(cols, fmt.Sprintf("%s:%d", typ, r.Timestamp.UnixMilli()))
	}
	if f.partition {
		cols = append(cols, fmt.Sprintf("Partition:%d", r.Partition))
	}
	if f.offset {
		cols = append(cols, fmt.Sprintf("Offset:%d", r.Offset))
	}
	if f.headers {
		if len(r.Headers) == 0 {
			cols = append(cols, "NO_HEADERS")
		} else {
			hs := make([]string, len(r.Headers))
			for i, h := range r.Headers {
				hs[i] = h.Key + f.headerKeySep + f.bytes(h.Value)
			}
			cols = append(cols, strings.Join(hs, f.headersSep))
		}
	}
	if f.key {
		cols = append(cols, f.bytes(r.Key))
	}
	if f.value {
		cols = append(cols, f.bytes(r.Value))
	}
	io.WriteString(w, strings.Join(cols, f.keySep)+f.lineSep)
}

// bytes prints a key, value or header value: null.literal for null.
func (f *formatter) bytes(b []byte) string {
	if b == nil {
		return f.null
	}
	return string(b)
}
