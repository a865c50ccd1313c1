package cli

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
)

// runGetOffsets is kafka-get-offsets.sh (GetOffsetShell): the offset of
// each partition at --time, as topic:partition:offset lines. The times
// are ListOffsets' special timestamps: -1 the latest offset (the log end
// offset, or the last stable offset under read_committed), -2 the
// earliest (the log start offset), -3 the record with the largest
// timestamp (KIP-734); any other value is a time in ms, answered with the
// first offset whose timestamp is at or after it.
func runGetOffsets(ctx context.Context, e env, args []string) int {
	fs, cf := newFlagSet(e, "get-offsets", "Prints partitions' offsets at a time, as kafka-get-offsets.sh.")
	topic := fs.String("topic", "", "the topics, a regular expression (default: all)")
	partitions := fs.String("partitions", "", "comma-separated partition ids (default: all)")
	timeArg := fs.String("time", "-1", "-1 or latest, -2 or earliest, -3 or max-timestamp, or a timestamp in ms")
	excludeInternal := fs.Bool("exclude-internal-topics", false, "leave out internal topics (__consumer_offsets, ...)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	at, err := offsetTime(*timeArg)
	if err != nil {
		return usageError(fs, "%v", err)
	}
	wanted, err := partitionSet(*partitions)
	if err != nil {
		return usageError(fs, "%v", err)
	}
	re, err := regexp.Compile("^(?:" + *topic + ")$")
	if *topic == "" {
		re, err = regexp.MustCompile(".*"), nil
	}
	if err != nil {
		return usageError(fs, "--topic %q: %v", *topic, err)
	}
	adm, err := cf.admin(ctx)
	if err != nil {
		return fail(e, "get-offsets", err)
	}
	defer adm.Close()
	ctx, cancel := context.WithTimeout(ctx, cf.timeout)
	defer cancel()

	details, err := adm.ListTopicsWithInternal(ctx)
	if err != nil {
		return fail(e, "get-offsets", err)
	}
	var topics []string
	for _, name := range details.Names() {
		if re.MatchString(name) && !(*excludeInternal && details[name].IsInternal) {
			topics = append(topics, name)
		}
	}
	if len(topics) == 0 {
		return fail(e, "get-offsets", kafkaErr("Could not match any topic-partitions with the specified filters"))
	}
	var listed kadm.ListedOffsets
	switch at {
	case -1:
		listed, err = adm.ListEndOffsets(ctx, topics...)
	case -2:
		listed, err = adm.ListStartOffsets(ctx, topics...)
	case -3:
		listed, err = adm.ListMaxTimestampOffsets(ctx, topics...)
	default:
		listed, err = adm.ListOffsetsAfterMilli(ctx, at, topics...)
	}
	if err == nil {
		err = listed.Error()
	}
	if err != nil {
		return fail(e, "get-offsets", err)
	}
	for _, t := range topics {
		ps := make([]int32, 0, len(listed[t]))
		for p := range listed[t] {
			if wanted == nil || wanted[p] {
				ps = append(ps, p)
			}
		}
		slices.Sort(ps)
		for _, p := range ps {
			fmt.Fprintf(e.stdout, "%s:%d:%d\n", t, p, listed[t][p].Offset)
		}
	}
	return exitOK
}

// offsetTime parses --time: a special timestamp by number or by name, or
// a time in ms.
func offsetTime(s string) (int64, error) {
	switch s {
	case "latest":
		return -1, nil
	case "earliest":
		return -2, nil
	case "max-timestamp":
		return -3, nil
	}
	t, err := strconv.ParseInt(s, 10, 64)
	if err != nil || t < -3 {
		return 0, fmt.Errorf("--time %q: want -1 (latest), -2 (earliest), -3 (max-timestamp) or a timestamp in ms", s)
	}
	return t, nil
}

// partitionSet parses a comma-separated list of partition ids; nil means
// all partitions.
func partitionSet(s string) (map[int32]bool, error) {
	if s == "" {
		return nil, nil
	}
	set := map[int32]bool{}
	for _, f := range strings.Split(s, ",") {
		p, err := strconv.ParseInt(strings.TrimSpace(f), 10, 32)
		if err != nil || p < 0 {
			return nil, fmt.Errorf("--partitions %q: want comma-separated partition ids", s)
		}
		set[int32(p)] = true
	}
	return set, nil
}
