package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

// resetFlags are --reset-offsets' scenario (exactly one) and its mode:
// --dry-run (the default) prints the new offsets, --execute commits them.
type resetFlags struct {
	toEarliest, toLatest, toCurrent bool
	toOffset, shiftBy               string
	toDatetime, byDuration          string
	dryRun, execute                 bool
	now                             func() time.Time // the wall clock; tests may fix it
}

func (r *resetFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&r.toEarliest, "to-earliest", false, "reset to the earliest offset (the log start offset)")
	fs.BoolVar(&r.toLatest, "to-latest", false, "reset to the latest offset (the log end offset)")
	fs.BoolVar(&r.toCurrent, "to-current", false, "reset to the committed offset")
	fs.StringVar(&r.toOffset, "to-offset", "", "reset to this offset")
	fs.StringVar(&r.shiftBy, "shift-by", "", "move the committed offset by this many (negative: back)")
	fs.StringVar(&r.toDatetime, "to-datetime", "", "reset to the first offset at or after YYYY-MM-DDTHH:mm:SS.sss[zone]")
	fs.StringVar(&r.byDuration, "by-duration", "", "reset to the first offset at or after now minus PnDTnHnMnS")
	fs.BoolVar(&r.dryRun, "dry-run", false, "print the new offsets only (the default)")
	fs.BoolVar(&r.execute, "execute", false, "commit the new offsets")
	r.now = time.Now
}

func (r *resetFlags) check(topics, allTopics bool) error {
	n := countTrue(r.toEarliest, r.toLatest, r.toCurrent, r.toOffset != "", r.shiftBy != "", r.toDatetime != "", r.byDuration != "")
	if n != 1 {
		return errors.New("--reset-offsets needs one of --to-earliest, --to-latest, --to-current, --to-offset, --shift-by, --to-datetime or --by-duration")
	}
	if topics == allTopics {
		return errors.New("--reset-offsets needs --topic or --all-topics")
	}
	if r.dryRun && r.execute {
		return errors.New("--dry-run and --execute are exclusive")
	}
	return nil
}

// resetOffsets is --reset-offsets. Kafka only resets the offsets of a
// group without members (Empty, or Dead: no group yet), since a live
// member would commit over them.
func resetOffsets(ctx context.Context, e env, adm *kadm.Client, f *groupsFlags) error {
	described, err := adm.DescribeGroups(ctx, f.groups...)
	if err != nil {
		return err
	}
	if !f.reset_.dryRun && !f.reset_.execute {
		fmt.Fprintln(e.stderr, "WARN: No action will be performed as the --execute option is missing. Add --dry-run to keep this behaviour without the warning.")
	}
	type planned struct {
		group   string
		offsets kadm.Offsets
	}
	var plans []planned
	for _, g := range f.groups {
		d := described[g]
		if d.Err != nil {
			return fmt.Errorf("group %s: %w", g, d.Err)
		}
		if d.State != "Empty" && d.State != "Dead" {
			return kafkaErr("Assignments can only be reset if the group '%s' is inactive, but the current state is %s.", g, d.State)
		}
		offsets, err := planReset(ctx, adm, g, f)
		if err != nil {
			return err
		}
		plans = append(plans, planned{g, offsets})
	}
	format := "%-30s %-30s %-10s %-15s\n"
	fmt.Fprintf(e.stdout, "\n"+format, "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET")
	for _, p := range plans {
		for _, o := range p.offsets.Sorted() {
			fmt.Fprintf(e.stdout, format, p.group, o.Topic, fmt.Sprint(o.Partition), fmt.Sprint(o.At))
		}
		if f.reset_.execute {
			if err := adm.CommitAllOffsets(ctx, p.group, p.offsets); err != nil {
				return fmt.Errorf("committing the offsets of group %s: %w", p.group, err)
			}
		}
	}
	return nil
}

// planReset computes the new offset of each partition to reset.
func planReset(ctx context.Context, adm *kadm.Client, group string, f *groupsFlags) (kadm.Offsets, error) {
	committed, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		return nil, err
	}
	var set kadm.TopicsSet
	if f.allTopics {
		set = kadm.TopicsSet{}
		committed.Each(func(o kadm.OffsetResponse) { set.Add(o.Topic, o.Partition) })
	} else if set, err = topicPartitions(ctx, adm, f.topics); err != nil {
		return nil, err
	}
	topics := set.Topics()
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return nil, err
	}
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, err
	}
	r := &f.reset_
	var byTime kadm.ListedOffsets
	if r.toDatetime != "" || r.byDuration != "" {
		at, err := r.resetTime()
		if err != nil {
			return nil, err
		}
		if byTime, err = adm.ListOffsetsAfterMilli(ctx, at.UnixMilli(), topics...); err != nil {
			return nil, err
		}
	}
	offsets := kadm.Offsets{}
	for _, tp := range set.Sorted() {
		for _, p := range tp.Partitions {
			start, okS := starts.Lookup(tp.Topic, p)
			end, okE := ends.Lookup(tp.Topic, p)
			if !okS || !okE || start.Err != nil || end.Err != nil {
				return nil, fmt.Errorf("partition %s-%d: cannot list its offsets", tp.Topic, p)
			}
			cur, hasCommit := committed.Lookup(tp.Topic, p)
			hasCommit = hasCommit && cur.Err == nil && cur.At >= 0
			var at int64
			switch {
			case r.toEarliest:
				at = start.Offset
			case r.toLatest:
				at = end.Offset
			case r.toCurrent:
				at = end.Offset
				if hasCommit {
					at = cur.At
				}
			case r.toOffset != "":
				if at, err = strconv.ParseInt(r.toOffset, 10, 64); err != nil {
					return nil, fmt.Errorf("--to-offset %q: %w", r.toOffset, err)
				}
			case r.shiftBy != "":
				n, err := strconv.ParseInt(r.shiftBy, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("--shift-by %q: %w", r.shiftBy, err)
				}
				if !hasCommit {
					return nil, fmt.Errorf("cannot shift the offset of partition %s-%d: the group has no committed offset for it", tp.Topic, p)
				}
				at = cur.At + n
			default:
				o, _ := byTime.Lookup(tp.Topic, p)
				at = o.Offset
			}
			// Kafka moves an offset outside the log to its nearest end.
			at = min(max(at, start.Offset), end.Offset)
			offsets.Add(kadm.Offset{Topic: tp.Topic, Partition: p, At: at, LeaderEpoch: -1})
		}
	}
	return offsets, nil
}

// resetTime is the time of --to-datetime or --by-duration.
func (r *resetFlags) resetTime() (time.Time, error) {
	if r.byDuration != "" {
		d, err := isoDuration(r.byDuration)
		if err != nil {
			return time.Time{}, err
		}
		return r.now().Add(-d), nil
	}
	// Kafka's formats: a local time, or one with a zone (Z, +hh:mm).
	for _, layout := range []string{"2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05.000", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, r.toDatetime, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--to-datetime %q: want YYYY-MM-DDTHH:mm:SS.sss, optionally with a zone", r.toDatetime)
}

var isoDurationRE = regexp.MustCompile(`^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$`)

// isoDuration parses the ISO-8601 durations Java's Duration.parse takes
// (PnDTnHnMnS), as Kafka's --by-duration does.
func isoDuration(s string) (time.Duration, error) {
	m := isoDurationRE.FindStringSubmatch(s)
	if m == nil || s == "P" || s == "PT" {
		return 0, fmt.Errorf("--by-duration %q: want an ISO-8601 duration such as PT1H or P1DT30M", s)
	}
	var d time.Duration
	units := []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second}
	for i, u := range units {
		if m[i+1] == "" {
			continue
		}
		v, err := strconv.ParseFloat(m[i+1], 64)
		if err != nil {
			return 0, err
		}
		d += time.Duration(v * float64(u))
	}
	return d, nil
}
