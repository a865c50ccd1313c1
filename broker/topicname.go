package broker

import (
	"fmt"
	"strings"
)

// Topic names follow Kafka's rules (org.apache.kafka.common.internals.Topic):
// 1 to 249 characters from [a-zA-Z0-9._-], and not "." or "..". A name
// that collides with another once '.' and '_' are treated alike is
// refused too, because both map to the same metric names.
const maxTopicNameLength = 249

func validateTopicName(name string) error {
	if name == "" {
		return fmt.Errorf("topic name is illegal, it can't be empty")
	}
	if name == "." || name == ".." {
		return fmt.Errorf("topic name cannot be \".\" or \"..\"")
	}
	if len(name) > maxTopicNameLength {
		return fmt.Errorf("topic name is illegal, it can't be longer than %d characters, topic name: %s", maxTopicNameLength, name)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("topic name %q is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'", name)
		}
	}
	return nil
}

// collidingTopic returns an existing topic whose name differs from name
// only in '.' versus '_', or "".
func (im *image) collidingTopic(name string) string {
	if !strings.ContainsAny(name, "._") {
		return ""
	}
	unified := unifyCollisionChars(name)
	for other := range im.topics {
		if other != name && unifyCollisionChars(other) == unified {
			return other
		}
	}
	return ""
}

// unifyCollisionChars maps '.' to '_' for the collision check.
func unifyCollisionChars(name string) string { return strings.ReplaceAll(name, ".", "_") }

// Internal topics. Clients may read them but not write to them.
const (
	consumerOffsetsTopic  = "__consumer_offsets"
	transactionStateTopic = "__transaction_state"
)

func isInternalTopic(name string) bool {
	return name == consumerOffsetsTopic || name == transactionStateTopic
}
