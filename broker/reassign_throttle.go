package broker

import (
	"github.com/gregorkafka/gregor/internal/kafkaerr"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Replication throttles. kafka-reassign-partitions.sh --throttle limits
// the bandwidth a move may use with the broker configs
// leader.replication.throttled.rate and follower.replication.throttled.rate
// (bytes per second) and the topic configs
// leader.replication.throttled.replicas and
// follower.replication.throttled.replicas (which replicas the rates
// apply to); --verify removes them all once the move is done. gregor
// never throttles replication: the topic configs are accepted and
// reported with a note (config's topic definitions), setting a rate is
// refused with a message saying so, and deleting a rate, which --verify
// does on every broker whether or not one was set, succeeds and changes
// nothing, as deleting an unset dynamic config does in Kafka.

// replicationThrottleRates are the broker configs of the throttles, and
// the log directory move throttle --verify clears with them.
var replicationThrottleRates = map[string]bool{
	"leader.replication.throttled.rate":              true,
	"follower.replication.throttled.rate":            true,
	"replica.alter.log.dirs.io.max.bytes.per.second": true,
}

// replicationThrottleChange answers a broker config change that only
// touches the throttle rates: handled is false for any other change,
// which the static broker configs refuse as before.
func replicationThrottleChange(c configChange) (handled bool, err error) {
	if len(c.ops) == 0 {
		return false, nil
	}
	for _, o := range c.ops {
		if !replicationThrottleRates[o.name] {
			return false, nil
		}
	}
	for _, o := range c.ops {
		if o.op != kmsg.IncrementalAlterConfigOpDelete {
			return true, kafkaerr.New(kerr.InvalidRequest, "cannot set %s: gregor does not throttle replication (reassignments copy at full speed); run kafka-reassign-partitions.sh without --throttle", o.name)
		}
	}
	return true, nil
}
