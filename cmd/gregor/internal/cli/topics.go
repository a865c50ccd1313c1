package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// topicsFlags are kafka-topics.sh's flags: one action and its options.
type topicsFlags struct {
	create, list, describe, delete, alter bool
	topic                                 string
	partitions, replicationFactor         int
	configs                               listFlag
	ifExists, ifNotExists                 bool
	excludeInternal                       bool
}

// runTopics is kafka-topics.sh (TopicCommand): --create, --list,
// --describe, --alter (add partitions) and --delete. --topic is a regular
// expression for every action but --create, as in Kafka.
func runTopics(ctx context.Context, e env, args []string) int {
	fs, cf := newFlagSet(e, "topics", "Creates, lists, describes, alters (adds partitions to) and deletes topics, as kafka-topics.sh.")
	var f topicsFlags
	fs.BoolVar(&f.create, "create", false, "create a topic")
	fs.BoolVar(&f.list, "list", false, "list the topics")
	fs.BoolVar(&f.describe, "describe", false, "describe the topics: partitions, leaders, replicas, ISR, configs")
	fs.BoolVar(&f.delete, "delete", false, "delete the topics")
	fs.BoolVar(&f.alter, "alter", false, "raise the number of partitions (--partitions)")
	fs.StringVar(&f.topic, "topic", "", "the topic; for all actions but --create, a regular expression")
	fs.IntVar(&f.partitions, "partitions", -1, "number of partitions; -1: the broker's num.partitions")
	fs.IntVar(&f.replicationFactor, "replication-factor", -1, "replicas of each partition; -1: the broker's default.replication.factor")
	fs.Var(&f.configs, "config", "a topic config override name=value (repeatable)")
	fs.BoolVar(&f.ifExists, "if-exists", false, "with --alter, --describe or --delete: do nothing if the topic does not exist")
	fs.BoolVar(&f.ifNotExists, "if-not-exists", false, "with --create: do nothing if the topic exists")
	fs.BoolVar(&f.excludeInternal, "exclude-internal", false, "leave out internal topics (__consumer_offsets, ...)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if n := countTrue(f.create, f.list, f.describe, f.delete, f.alter); n != 1 {
		return usageError(fs, "exactly one of --create, --list, --describe, --alter or --delete is required")
	}
	if (f.create || f.alter || f.delete) && f.topic == "" {
		return usageError(fs, "--topic is required")
	}
	if f.alter && f.partitions < 0 {
		return usageError(fs, "--alter needs --partitions (the only alteration here; configs are gregor configs --alter)")
	}
	adm, err := cf.admin(ctx)
	if err != nil {
		return fail(e, "topics", err)
	}
	defer adm.Close()
	ctx, cancel := context.WithTimeout(ctx, cf.timeout)
	defer cancel()
	switch {
	case f.create:
		err = createTopic(ctx, e, adm, &f)
	case f.list:
		err = listTopics(ctx, e, adm, &f)
	case f.describe:
		err = describeTopics(ctx, e, adm, &f)
	case f.alter:
		err = alterTopics(ctx, adm, &f)
	case f.delete:
		err = deleteTopics(ctx, adm, &f)
	}
	if err != nil {
		// Kafka's wording, so that scripts grepping for it still match.
		fmt.Fprintf(e.stderr, "Error while executing topic command : %v\n", err)
		return exitError
	}
	return exitOK
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

func createTopic(ctx context.Context, e env, adm *kadm.Client, f *topicsFlags) error {
	if f.replicationFactor == 0 || f.replicationFactor > 32767 {
		return kafkaErr("The replication factor must be between 1 and 32767 inclusive")
	}
	if f.partitions == 0 {
		return kafkaErr("The partitions must be greater than 0")
	}
	configs := map[string]*string{}
	for _, kv := range f.configs {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return kafkaErr(`requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".`)
		}
		v := strings.TrimSpace(value)
		configs[strings.TrimSpace(name)] = &v
	}
	resp, err := adm.CreateTopic(ctx, int32(f.partitions), int16(f.replicationFactor), configs, f.topic)
	if err == nil {
		err = resp.Err
	}
	switch {
	case errors.Is(err, kerr.TopicAlreadyExists):
		if f.ifNotExists {
			return nil
		}
		return kafkaErr("Topic '%s' already exists.", f.topic)
	case err != nil:
		return topicErr(err, resp.ErrMessage)
	}
	fmt.Fprintf(e.stdout, "Created topic %s.\n", f.topic)
	return nil
}

// topicErr prefers the broker's error message, which says what was wrong.
func topicErr(err error, msg string) error {
	if msg != "" {
		return fmt.Errorf("%w: %s", err, msg)
	}
	return err
}

// matchingTopics returns the sorted names of the topics --topic matches
// (all of them without --topic), as TopicCommand.getTopics does.
func matchingTopics(ctx context.Context, adm *kadm.Client, f *topicsFlags) (kadm.TopicDetails, []string, error) {
	details, err := adm.ListTopicsWithInternal(ctx)
	if err != nil {
		return nil, nil, err
	}
	var re *regexp.Regexp
	if f.topic != "" {
		if re, err = regexp.Compile("^(?:" + f.topic + ")$"); err != nil {
			return nil, nil, fmt.Errorf("--topic %q: %w", f.topic, err)
		}
	}
	var names []string
	for _, name := range details.Names() {
		if f.excludeInternal && details[name].IsInternal {
			continue
		}
		if re == nil || re.MatchString(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if len(names) == 0 && f.topic != "" && !f.ifExists && !f.list {
		return nil, nil, kafkaErr("Topic '%s' does not exist as expected", f.topic)
	}
	return details, names, nil
}

func listTopics(ctx context.Context, e env, adm *kadm.Client, f *topicsFlags) error {
	_, names, err := matchingTopics(ctx, adm, f)
	for _, name := range names {
		fmt.Fprintln(e.stdout, name)
	}
	return err
}

// describeTopics prints TopicCommand's layout: a line per topic with its
// id, partition count, replication factor and non-default configs, then a
// tab-indented line per partition. ELR (KIP-966) comes from the
// DescribeTopicPartitions API; without it Kafka prints N/A, as here.
func describeTopics(ctx context.Context, e env, adm *kadm.Client, f *topicsFlags) error {
	details, names, err := matchingTopics(ctx, adm, f)
	if err != nil || len(names) == 0 {
		return err
	}
	configs, err := adm.DescribeTopicConfigs(ctx, names...)
	if err != nil {
		return err
	}
	for _, name := range names {
		td := details[name]
		if td.Err != nil {
			return fmt.Errorf("topic %s: %w", name, td.Err)
		}
		parts := td.Partitions.Sorted()
		rf := 0
		if len(parts) > 0 {
			rf = len(parts[0].Replicas)
		}
		fmt.Fprintf(e.stdout, "Topic: %s\tTopicId: %s\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: %s\n",
			name, kafkaUUID(td.ID), len(parts), rf, overriddenConfigs(configs, name))
		for _, p := range parts {
			leader := "none"
			if p.Leader >= 0 {
				leader = fmt.Sprint(p.Leader)
			}
			fmt.Fprintf(e.stdout, "\tTopic: %s\tPartition: %d\tLeader: %s\tReplicas: %s\tIsr: %s\tElr: N/A\tLastKnownElr: N/A\n",
				name, p.Partition, leader, joinInt32(p.Replicas), joinInt32(p.ISR))
		}
	}
	return nil
}

// kafkaUUID prints a topic id as Kafka's Uuid.toString does: URL-safe
// base64 without padding.
func kafkaUUID(id kadm.TopicID) string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// overriddenConfigs is the "Configs:" field: the topic's configs whose
// source is not the default, as name=value,name=value.
func overriddenConfigs(rcs kadm.ResourceConfigs, topic string) string {
	var kvs []string
	for _, rc := range rcs {
		if rc.Name != topic {
			continue
		}
		for _, c := range rc.Configs {
			if c.Source == kmsg.ConfigSourceDefaultConfig {
				continue
			}
			kvs = append(kvs, c.Key+"="+c.MaybeValue())
		}
	}
	return strings.Join(kvs, ",")
}

func alterTopics(ctx context.Context, adm *kadm.Client, f *topicsFlags) error {
	_, names, err := matchingTopics(ctx, adm, f)
	if err != nil || len(names) == 0 {
		return err
	}
	resps, err := adm.UpdatePartitions(ctx, f.partitions, names...)
	if err != nil {
		return err
	}
	for _, name := range names {
		if r, ok := resps[name]; ok && r.Err != nil {
			return topicErr(r.Err, r.ErrMessage)
		}
	}
	return nil
}

func deleteTopics(ctx context.Context, adm *kadm.Client, f *topicsFlags) error {
	_, names, err := matchingTopics(ctx, adm, f)
	if err != nil || len(names) == 0 {
		return err
	}
	resps, err := adm.DeleteTopics(ctx, names...)
	if err != nil {
		return err
	}
	for _, name := range names {
		if r, ok := resps[name]; ok && r.Err != nil {
			return topicErr(r.Err, r.ErrMessage)
		}
	}
	return nil
}
