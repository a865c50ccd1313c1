package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
)

// groupsFlags are kafka-consumer-groups.sh's flags: one action, the
// groups, and the options of --describe and --reset-offsets.
type groupsFlags struct {
	list, describe, delete, reset, deleteOffsets bool
	groups, topics                               listFlag
	allGroups, allTopics                         bool
	offsets, members, state, verbose             bool
	reset_                                       resetFlags
}

// runConsumerGroups is kafka-consumer-groups.sh (ConsumerGroupCommand).
func runConsumerGroups(ctx context.Context, e env, args []string) int {
	fs, cf := newFlagSet(e, "consumer-groups", "Lists, describes, resets the offsets of, and deletes consumer groups, as kafka-consumer-groups.sh.")
	var f groupsFlags
	fs.BoolVar(&f.list, "list", false, "list the groups (with --state: and their states)")
	fs.BoolVar(&f.describe, "describe", false, "describe the groups: offsets and lag (default), --members or --state")
	fs.BoolVar(&f.delete, "delete", false, "delete the groups (they must have no members)")
	fs.BoolVar(&f.reset, "reset-offsets", false, "reset the groups' committed offsets (the groups must have no members)")
	fs.BoolVar(&f.deleteOffsets, "delete-offsets", false, "delete the group's committed offsets of --topic")
	fs.Var(&f.groups, "group", "a consumer group (repeatable)")
	fs.BoolVar(&f.allGroups, "all-groups", false, "every group")
	fs.Var(&f.topics, "topic", "with --reset-offsets or --delete-offsets: topic or topic:0,1 (repeatable)")
	fs.BoolVar(&f.allTopics, "all-topics", false, "with --reset-offsets: every topic the group has offsets for")
	fs.BoolVar(&f.offsets, "offsets", false, "with --describe: the offsets and lag of each partition (the default)")
	fs.BoolVar(&f.members, "members", false, "with --describe: the members")
	fs.BoolVar(&f.state, "state", false, "with --describe: the group's state; with --list: each group's state")
	fs.BoolVar(&f.verbose, "verbose", false, "with --describe --members: each member's partitions")
	f.reset_.register(fs)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if countTrue(f.list, f.describe, f.delete, f.reset, f.deleteOffsets) != 1 {
		return usageError(fs, "exactly one of --list, --describe, --delete, --reset-offsets or --delete-offsets is required")
	}
	if !f.list && len(f.groups) == 0 && !f.allGroups {
		return usageError(fs, "--group or --all-groups is required")
	}
	if f.deleteOffsets && (len(f.groups) != 1 || len(f.topics) == 0) {
		return usageError(fs, "--delete-offsets needs one --group and --topic")
	}
	if f.reset {
		if err := f.reset_.check(len(f.topics) > 0, f.allTopics); err != nil {
			return usageError(fs, "%v", err)
		}
	}
	adm, err := cf.admin(ctx)
	if err != nil {
		return fail(e, "consumer-groups", err)
	}
	defer adm.Close()
	ctx, cancel := context.WithTimeout(ctx, cf.timeout)
	defer cancel()
	if f.allGroups && !f.list {
		listed, err := adm.ListGroups(ctx)
		if err != nil {
			return fail(e, "consumer-groups", err)
		}
		f.groups = listed.Groups()
	}
	switch {
	case f.list:
		err = listGroups(ctx, e, adm, f.state)
	case f.describe:
		err = describeGroups(ctx, e, adm, &f)
	case f.delete:
		err = deleteGroups(ctx, e, adm, f.groups)
	case f.reset:
		err = resetOffsets(ctx, e, adm, &f)
	case f.deleteOffsets:
		err = deleteGroupOffsets(ctx, e, adm, f.groups[0], f.topics)
	}
	if err != nil {
		return fail(e, "consumer-groups", err)
	}
	return exitOK
}

func listGroups(ctx context.Context, e env, adm *kadm.Client, withState bool) error {
	listed, err := adm.ListGroups(ctx)
	if err != nil {
		return err
	}
	groups := listed.Sorted()
	if !withState {
		for _, g := range groups {
			fmt.Fprintln(e.stdout, g.Group)
		}
		return nil
	}
	w := 15
	for _, g := range groups {
		w = max(w, len(g.Group))
	}
	fmt.Fprintf(e.stdout, "%-*s %s\n", w, "GROUP", "STATE")
	for _, g := range groups {
		fmt.Fprintf(e.stdout, "%-*s %s\n", w, g.Group, g.State)
	}
	return nil
}

// describeGroups prints ConsumerGroupCommand's tables. A group without
// members gets a note on standard error, as in Kafka, and its committed
// offsets; a group that does not exist is an error.
func describeGroups(ctx context.Context, e env, adm *kadm.Client, f *groupsFlags) error {
	lags, err := adm.Lag(ctx, f.groups...)
	if err != nil {
		return err
	}
	var errs []error
	for _, name := range slices.Sorted(slices.Values(f.groups)) {
		g, ok := lags[name]
		if !ok || g.Error() != nil {
			errs = append(errs, fmt.Errorf("describing group '%s': %v", name, g.Error()))
			continue
		}
		switch g.State {
		case "Dead":
			errs = append(errs, kafkaErr("Consumer group '%s' does not exist.", name))
			continue
		case "Empty":
			fmt.Fprintf(e.stderr, "\nConsumer group '%s' has no active members.\n", name)
		case "PreparingRebalance", "CompletingRebalance", "Assigning", "Reconciling":
			fmt.Fprintf(e.stderr, "\nWarning: Consumer group '%s' is rebalancing.\n", name)
		}
		switch {
		case f.members:
			printMembers(e.stdout, &g, f.verbose)
		case f.state:
			printGroupState(e.stdout, &g)
		default:
			printGroupOffsets(e.stdout, &g)
		}
	}
	return errors.Join(errs...)
}

// missing is Kafka's MISSING_COLUMN_VALUE.
const missing = "-"

// printGroupOffsets is the default --describe table: one row per
// partition the group has a member on or an offset for, then a row for
// each member that has no partitions.
func printGroupOffsets(w io.Writer, g *kadm.DescribedGroupLag) {
	type row struct{ group, topic, partition, current, end, lag, member, host, client string }
	var rows []row
	withPartitions := map[string]bool{}
	for _, l := range g.Lag.Sorted() {
		if l.Member == nil && l.Commit.At < 0 {
			continue // neither assigned nor committed: Kafka leaves it out
		}
		r := row{g.Group, l.Topic, fmt.Sprint(l.Partition), missing, missing, missing, missing, missing, missing}
		if l.End.Err == nil {
			r.end = fmt.Sprint(l.End.Offset)
		}
		if l.Commit.At >= 0 {
			r.current = fmt.Sprint(l.Commit.At)
			if l.End.Err == nil {
				r.lag = fmt.Sprint(l.End.Offset - l.Commit.At)
			}
		}
		if m := l.Member; m != nil {
			r.member, r.host, r.client = m.MemberID, m.ClientHost, m.ClientID
			withPartitions[m.MemberID] = true
		}
		rows = append(rows, r)
	}
	for _, m := range g.Members {
		if !withPartitions[m.MemberID] {
			rows = append(rows, row{g.Group, missing, missing, missing, missing, missing, m.MemberID, m.ClientHost, m.ClientID})
		}
	}
	gw, tw, mw, hw := 15, 15, 15, 15
	for _, r := range rows {
		gw, tw, mw, hw = max(gw, len(r.group)), max(tw, len(r.topic)), max(mw, len(r.member)), max(hw, len(r.host))
	}
	line := func(r row) {
		fmt.Fprintf(w, "\n%-*s %-*s %-10s %-15s %-15s %-15s %-*s %-*s %s",
			gw, r.group, tw, r.topic, r.partition, r.current, r.end, r.lag, mw, r.member, hw, r.host, r.client)
	}
	line(row{"GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"})
	for _, r := range rows {
		line(r)
	}
	fmt.Fprintln(w)
}

// printMembers is --describe --members: each member, its number of
// partitions and, with --verbose, which.
func printMembers(w io.Writer, g *kadm.DescribedGroupLag, verbose bool) {
	gw, mw, hw, cw := 15, 15, 15, 15
	for _, m := range g.Members {
		gw, mw, hw, cw = max(gw, len(g.Group)), max(mw, len(m.MemberID)), max(hw, len(m.ClientHost)), max(cw, len(m.ClientID))
	}
	fmt.Fprintf(w, "\n%-*s %-*s %-*s %-*s %-15s ", gw, "GROUP", mw, "CONSUMER-ID", hw, "HOST", cw, "CLIENT-ID", "#PARTITIONS")
	if verbose {
		fmt.Fprint(w, "ASSIGNMENT")
	}
	fmt.Fprintln(w)
	for _, m := range g.Members {
		n, assignment := 0, missing
		if c, ok := m.Assigned.AsConsumer(); ok {
			var parts []string
			for _, t := range c.Topics {
				n += len(t.Partitions)
				ps := make([]string, len(t.Partitions))
				for i, p := range slices.Sorted(slices.Values(t.Partitions)) {
					ps[i] = fmt.Sprint(p)
				}
				parts = append(parts, t.Topic+"("+strings.Join(ps, ",")+")")
			}
			if len(parts) > 0 {
				slices.Sort(parts)
				assignment = strings.Join(parts, ", ")
			}
		}
		fmt.Fprintf(w, "%-*s %-*s %-*s %-*s %-15d ", gw, g.Group, mw, m.MemberID, hw, m.ClientHost, cw, m.ClientID, n)
		if verbose {
			fmt.Fprint(w, assignment)
		}
		fmt.Fprintln(w)
	}
}

// printGroupState is --describe --state: the coordinator, the assignor,
// the state and the number of members.
func printGroupState(w io.Writer, g *kadm.DescribedGroupLag) {
	coord := fmt.Sprintf("%s:%d  (%d)", g.Coordinator.Host, g.Coordinator.Port, g.Coordinator.NodeID)
	cw := max(25, len(coord))
	format := "\n%-*s %-25s %-20s %-15s %s"
	fmt.Fprintf(w, format, cw, "GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS")
	fmt.Fprintf(w, format, cw, g.Group, coord, g.Protocol, g.State, fmt.Sprint(len(g.Members)))
	fmt.Fprintln(w)
}

func deleteGroups(ctx context.Context, e env, adm *kadm.Client, groups []string) error {
	resps, err := adm.DeleteGroups(ctx, groups...)
	if err != nil {
		return err
	}
	var failed []string
	for _, g := range groups {
		if r := resps[g]; r.Err != nil {
			failed = append(failed, fmt.Sprintf("* Group '%s' could not be deleted due to: %v", g, r.Err))
		}
	}
	if len(failed) > 0 {
		return kafkaErr("Deletion of some consumer groups failed:\n%s", strings.Join(failed, "\n"))
	}
	fmt.Fprintf(e.stdout, "Deletion of requested consumer groups ('%s') was successful.\n", strings.Join(groups, "', '"))
	return nil
}

// deleteGroupOffsets is --delete-offsets (KIP-496): the group forgets
// its committed offsets of the topics; Kafka refuses while a member of
// the group is subscribed to one (GROUP_SUBSCRIBED_TO_TOPIC).
func deleteGroupOffsets(ctx context.Context, e env, adm *kadm.Client, group string, topics []string) error {
	set, err := topicPartitions(ctx, adm, topics)
	if err != nil {
		return err
	}
	resps, err := adm.DeleteOffsets(ctx, group, set)
	if err != nil {
		return kafkaErr("Encounter some unknown error: %v", err)
	}
	fmt.Fprintf(e.stdout, "Request succeed for deleting offsets from group '%s'.\n", group)
	fmt.Fprintf(e.stdout, "\n%-30s %-15s %-15s\n", "TOPIC", "PARTITION", "STATUS")
	var errs []error
	for _, tp := range set.Sorted() {
		for _, p := range tp.Partitions {
			status := "Successful"
			if err, _ := resps.Lookup(tp.Topic, p); err != nil {
				status = "Error: " + err.Error()
				errs = append(errs, err)
			}
			fmt.Fprintf(e.stdout, "%-30s %-15d %-15s\n", tp.Topic, p, status)
		}
	}
	return errors.Join(errs...)
}

// topicPartitions parses --topic values, topic or topic:0,1,2; a bare
// topic means all its partitions, which Metadata lists.
func topicPartitions(ctx context.Context, adm *kadm.Client, topics []string) (kadm.TopicsSet, error) {
	set := kadm.TopicsSet{}
	var whole []string
	for _, spec := range topics {
		name, ps, ok := strings.Cut(spec, ":")
		if !ok {
			whole = append(whole, name)
			continue
		}
		parts, err := partitionSet(ps)
		if err != nil {
			return nil, fmt.Errorf("--topic %q: want topic or topic:0,1", spec)
		}
		for p := range parts {
			set.Add(name, p)
		}
	}
	if len(whole) > 0 {
		details, err := adm.ListTopics(ctx, whole...)
		if err != nil {
			return nil, err
		}
		for _, name := range whole {
			d, ok := details[name]
			if !ok || d.Err != nil {
				return nil, fmt.Errorf("topic %s: %v", name, d.Err)
			}
			for p := range d.Partitions {
				set.Add(name, p)
			}
		}
	}
	return set, nil
}
