package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// runConfigs is kafka-configs.sh (ConfigCommand) for topics and brokers:
// --describe prints a resource's dynamic configs (with --all, every
// config), each with its synonyms, the values it falls back to in order
// (KIP-226); --alter sets and removes configs with
// IncrementalAlterConfigs (KIP-339). For brokers, --entity-default is the
// cluster-wide default level of the dynamic broker configs.
func runConfigs(ctx context.Context, e env, args []string) int {
	fs, cf := newFlagSet(e, "configs", "Describes and alters topic and broker configs, as kafka-configs.sh.")
	describe := fs.Bool("describe", false, "describe the configs")
	alter := fs.Bool("alter", false, "alter the configs: --add-config, --delete-config")
	all := fs.Bool("all", false, "with --describe: every config, not only the dynamic ones")
	entityType := fs.String("entity-type", "", "topics or brokers")
	entityName := fs.String("entity-name", "", "the topic's name or the broker's id (default with --describe: all)")
	topic := fs.String("topic", "", "short for --entity-type topics --entity-name")
	brokerID := fs.String("broker", "", "short for --entity-type brokers --entity-name")
	entityDefault := fs.Bool("entity-default", false, "with --entity-type brokers: the cluster-wide default of every broker's dynamic configs")
	addConfig := fs.String("add-config", "", "configs to set: k1=v1,k2=[v1,v2]")
	deleteConfig := fs.String("delete-config", "", "configs to remove, back to their defaults: k1,k2")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if *topic != "" {
		*entityType, *entityName = "topics", *topic
	}
	if *brokerID != "" {
		*entityType, *entityName = "brokers", *brokerID
	}
	if *describe == *alter {
		return usageError(fs, "exactly one of --describe or --alter is required")
	}
	if *entityType != "topics" && *entityType != "brokers" {
		return usageError(fs, "--entity-type must be topics or brokers")
	}
	if *entityDefault && (*entityType != "brokers" || *entityName != "") {
		return usageError(fs, "--entity-default goes with --entity-type brokers and no --entity-name")
	}
	var alters []kadm.AlterConfig
	if *alter {
		if *entityName == "" && !*entityDefault {
			return usageError(fs, "--alter needs --entity-name")
		}
		if *addConfig == "" && *deleteConfig == "" {
			return usageError(fs, "--alter needs --add-config or --delete-config")
		}
		var err error
		if alters, err = configAlterations(*addConfig, *deleteConfig); err != nil {
			return usageError(fs, "%v", err)
		}
	}
	adm, err := cf.admin(ctx)
	if err != nil {
		return fail(e, "configs", err)
	}
	defer adm.Close()
	ctx, cancel := context.WithTimeout(ctx, cf.timeout)
	defer cancel()
	switch {
	case *entityDefault && *alter:
		err = alterBrokerDefaults(ctx, e, adm, alters)
	case *entityDefault:
		err = describeBrokerDefaults(ctx, e, adm)
	case *alter:
		err = alterConfigs(ctx, e, adm, *entityType, *entityName, alters)
	default:
		err = describeConfigs(ctx, e, adm, *entityType, *entityName, *all)
	}
	if err != nil {
		return fail(e, "configs", err)
	}
	return exitOK
}

// configAlterations parses --add-config (commas separate configs except
// inside [ ], which hold a list value) and --delete-config.
func configAlterations(add, del string) ([]kadm.AlterConfig, error) {
	var alters []kadm.AlterConfig
	for _, kv := range splitOutsideBrackets(add) {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("--add-config %q: want k1=v1,k2=[v1,v2]", add)
		}
		value = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(value), "["), "]")
		alters = append(alters, kadm.AlterConfig{Op: kadm.SetConfig, Name: strings.TrimSpace(name), Value: &value})
	}
	for _, name := range strings.Split(del, ",") {
		if name = strings.TrimSpace(name); name != "" {
			alters = append(alters, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: name})
		}
	}
	return alters, nil
}

func splitOutsideBrackets(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	if start < len(s) {
		parts = append(parts, s[start:])
	}
	return parts
}

func alterConfigs(ctx context.Context, e env, adm *kadm.Client, entityType, name string, alters []kadm.AlterConfig) error {
	var resps kadm.AlterConfigsResponses
	var err error
	entity := "topic"
	if entityType == "topics" {
		resps, err = adm.AlterTopicConfigs(ctx, alters, name)
	} else {
		entity = "broker"
		id, perr := strconv.ParseInt(name, 10, 32)
		if perr != nil {
			return fmt.Errorf("--entity-name %q: a broker is named by its id", name)
		}
		resps, err = adm.AlterBrokerConfigs(ctx, alters, int32(id))
	}
	if err != nil {
		return err
	}
	for _, r := range resps {
		if r.Err != nil {
			return topicErr(r.Err, r.ErrMessage)
		}
	}
	fmt.Fprintf(e.stdout, "Completed updating config for %s %s.\n", entity, name)
	return nil
}

// describeConfigs prints ConfigCommand's layout. Without --all, a topic
// shows the configs set on it (DYNAMIC_TOPIC_CONFIG) and a broker those
// set on it at run time (DYNAMIC_BROKER_CONFIG).
func describeConfigs(ctx context.Context, e env, adm *kadm.Client, entityType, name string, all bool) error {
	var rcs kadm.ResourceConfigs
	var err error
	entity, dynamic := "topic", kmsg.ConfigSourceDynamicTopicConfig
	if entityType == "topics" {
		var topics []string
		if name != "" {
			topics = []string{name}
		} else {
			details, lerr := adm.ListTopics(ctx)
			if lerr != nil {
				return lerr
			}
			topics = details.Names()
		}
		rcs, err = adm.DescribeTopicConfigs(ctx, topics...)
	} else {
		entity, dynamic = "broker", kmsg.ConfigSourceDynamicBrokerConfig
		var ids []int32
		if name != "" {
			id, perr := strconv.ParseInt(name, 10, 32)
			if perr != nil {
				return fmt.Errorf("--entity-name %q: a broker is named by its id", name)
			}
			ids = []int32{int32(id)}
		} else {
			brokers, lerr := adm.ListBrokers(ctx)
			if lerr != nil {
				return lerr
			}
			ids = brokers.NodeIDs()
		}
		rcs, err = adm.DescribeBrokerConfigs(ctx, ids...)
	}
	if err != nil {
		return err
	}
	which := "Dynamic"
	if all {
		which = "All"
	}
	var errs []error
	for _, rc := range rcs {
		if rc.Err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", entity, rc.Name, topicErr(rc.Err, rc.ErrMessage)))
			continue
		}
		fmt.Fprintf(e.stdout, "%s configs for %s %s are:\n", which, entity, rc.Name)
		for _, c := range rc.Configs {
			if !all && c.Source != dynamic {
				continue
			}
			syns := make([]string, len(c.Synonyms))
			for i, s := range c.Synonyms {
				syns[i] = fmt.Sprintf("%s:%s=%s", s.Source, s.Key, nullable(s.Value))
			}
			fmt.Fprintf(e.stdout, "  %s=%s sensitive=%t synonyms={%s}\n", c.Key, nullable(c.Value), c.Sensitive, strings.Join(syns, ", "))
		}
	}
	return errors.Join(errs...)
}

// alterBrokerDefaults alters the cluster-wide default broker configs
// (--entity-type brokers --entity-default): the BROKER resource with the
// empty name.
func alterBrokerDefaults(ctx context.Context, e env, adm *kadm.Client, alters []kadm.AlterConfig) error {
	resps, err := adm.AlterBrokerConfigs(ctx, alters)
	if err != nil {
		return err
	}
	for _, r := range resps {
		if r.Err != nil {
			return topicErr(r.Err, r.ErrMessage)
		}
	}
	fmt.Fprintln(e.stdout, "Completed updating default config for brokers in the cluster.")
	return nil
}

// describeBrokerDefaults prints the cluster-wide default broker configs,
// every one of which is dynamic.
func describeBrokerDefaults(ctx context.Context, e env, adm *kadm.Client) error {
	rcs, err := adm.DescribeBrokerConfigs(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "Default configs for brokers in the cluster are:")
	for _, rc := range rcs {
		if rc.Err != nil {
			return topicErr(rc.Err, rc.ErrMessage)
		}
		for _, c := range rc.Configs {
			syns := make([]string, len(c.Synonyms))
			for i, s := range c.Synonyms {
				syns[i] = fmt.Sprintf("%s:%s=%s", s.Source, s.Key, nullable(s.Value))
			}
			fmt.Fprintf(e.stdout, "  %s=%s sensitive=%t synonyms={%s}\n", c.Key, nullable(c.Value), c.Sensitive, strings.Join(syns, ", "))
		}
	}
	return nil
}

// nullable prints a config value as Java does a null string.
func nullable(s *string) string {
	if s == nil {
		return "null"
	}
	return *s
}
