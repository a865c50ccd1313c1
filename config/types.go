package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Type is a config's type, numbered as DescribeConfigs (v3+) reports it.
type Type int8

// Config types, as in Kafka's ConfigDef.Type.
const (
	Boolean  Type = 1
	String   Type = 2
	Int      Type = 3
	Short    Type = 4
	Long     Type = 5
	Double   Type = 6
	List     Type = 7
	Class    Type = 8
	Password Type = 9
)

// Source says where a config value comes from, numbered as in
// DescribeConfigs.
type Source int8

// Config sources.
const (
	SourceUnknown             Source = 0
	SourceTopic               Source = 1
	SourceDynamicBroker       Source = 2
	SourceDynamicBrokerDef    Source = 3
	SourceStaticBroker        Source = 4
	SourceDefault             Source = 5
	SourceDynamicBrokerLogger Source = 6
)

func (s Source) String() string {
	switch s {
	case SourceTopic:
		return "TOPIC_CONFIG"
	case SourceDynamicBroker:
		return "DYNAMIC_BROKER_CONFIG"
	case SourceDynamicBrokerDef:
		return "DYNAMIC_DEFAULT_BROKER_CONFIG"
	case SourceStaticBroker:
		return "STATIC_BROKER_CONFIG"
	case SourceDefault:
		return "DEFAULT_CONFIG"
	case SourceDynamicBrokerLogger:
		return "DYNAMIC_BROKER_LOGGER_CONFIG"
	}
	return "UNKNOWN"
}

// Def defines one config.
type Def struct {
	Name    string
	Type    Type
	Default *string // nil: no default (Kafka's null)
	// Check validates a value beyond its type; nil accepts any value of
	// the type.
	Check func(string) error
	// Note, when set, says how gregor departs from Kafka for this config
	// (most often: accepted and reported, but without effect).
	Note string
	// ReadOnly configs cannot be altered at runtime.
	ReadOnly bool
	// Internal configs (Kafka's defineInternal) are accepted by name but
	// not listed when all configs are described: they exist for tests.
	Internal bool
	// Synonyms are the broker configs a topic config falls back to, in
	// order of precedence; for broker configs, other names for the same
	// setting (log.retention.minutes for log.retention.ms).
	Synonyms []string
}

func def(s string) *string { return &s }

// parse checks that v is a valid value of the def's type and passes its
// own check.
func (d *Def) parse(v string) error {
	if err := checkType(d.Type, v); err != nil {
		return fmt.Errorf("invalid value %q for configuration %s: %v", v, d.Name, err)
	}
	if d.Check != nil {
		if err := d.Check(v); err != nil {
			return fmt.Errorf("invalid value %q for configuration %s: %v", v, d.Name, err)
		}
	}
	return nil
}

func checkType(t Type, v string) error {
	v = strings.TrimSpace(v)
	var err error
	switch t {
	case Boolean:
		if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
			err = fmt.Errorf("expected true or false")
		}
	case Int:
		_, err = strconv.ParseInt(v, 10, 32)
	case Short:
		_, err = strconv.ParseInt(v, 10, 16)
	case Long:
		_, err = strconv.ParseInt(v, 10, 64)
	case Double:
		_, err = strconv.ParseFloat(v, 64)
	}
	if err != nil {
		return fmt.Errorf("expected a %s", typeName(t))
	}
	return nil
}

func typeName(t Type) string {
	switch t {
	case Boolean:
		return "boolean"
	case Int:
		return "32-bit integer"
	case Short:
		return "16-bit integer"
	case Long:
		return "64-bit integer"
	case Double:
		return "number"
	case List:
		return "list"
	}
	return "string"
}

// atLeast returns a check that numbers are at least min.
func atLeast(min int64) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < min {
			return fmt.Errorf("value must be at least %d", min)
		}
		return nil
	}
}

// between returns a check that numbers lie in [lo, hi].
func between(lo, hi float64) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || n < lo || n > hi {
			return fmt.Errorf("value must be between %v and %v", lo, hi)
		}
		return nil
	}
}

// Compression level checks, as Kafka's codecs define them (KIP-390):
// gzip takes -1 (the codec's default) or 1 to 9, lz4 1 to 17, zstd
// -131072 to 22.
var (
	lz4Level  = between(1, 17)
	zstdLevel = between(-131072, 22)
)

func gzipLevel(v string) error {
	if strings.TrimSpace(v) == "-1" {
		return nil
	}
	return between(1, 9)(v)
}

// emptyOr allows the empty list as well as what check allows: Kafka 4.4
// accepts an empty cleanup.policy (neither delete nor compact).
func emptyOr(check func(string) error) func(string) error {
	return func(v string) error {
		if strings.TrimSpace(v) == "" {
			return nil
		}
		return check(v)
	}
}

// oneOf returns a check that the value is one of the given strings.
func oneOf(values ...string) func(string) error {
	return func(v string) error {
		for _, ok := range values {
			if v == ok {
				return nil
			}
		}
		return fmt.Errorf("string must be one of: %s", strings.Join(values, ", "))
	}
}

// listOf returns a check that each comma-separated item is allowed.
func listOf(values ...string) func(string) error {
	one := oneOf(values...)
	return func(v string) error {
		for _, item := range strings.Split(v, ",") {
			if err := one(strings.TrimSpace(item)); err != nil {
				return err
			}
		}
		return nil
	}
}

const (
	maxInt  = "2147483647"
	maxLong = "9223372036854775807"
)
