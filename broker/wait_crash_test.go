package broker_test

// Regression: WaitForReplication reported success while a partition's
// leader was crashed but not yet fenced, although no replica could serve
// it and nothing had been replicated since.

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/clock"
)

func TestWaitForReplicationWaitsOutAnUnfencedCrashedLeader(t *testing.T) {
	mc := clock.NewManual(time.Time{})
	c := startAPICluster(t, broker.Brokers(3), broker.Clock(mc), broker.TopicAssignment("crash", [][]int32{{1, 2, 3}}, nil))
	produceValues(t, replClient(t, c), "crash", 0, "a", "b")
	mustDo(t, c.WaitForReplication(apiCtx(t)))

	mustDo(t, c.CrashBroker(1))
	done, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.WaitForReplication(done)
	if err == nil || !strings.Contains(err.Error(), "not yet fenced") {
		t.Fatalf("WaitForReplication with leader 1 crashed and unfenced: %v, want it still waiting", err)
	}

	timeout, err := c.Config("broker.session.timeout.ms")
	mustDo(t, err)
	ms, _ := strconv.Atoi(timeout)
	mc.Advance(time.Duration(ms) * time.Millisecond)
	p, err := c.WaitForLeader(apiCtx(t), "crash", 0, func(p broker.PartitionInfo) bool { return p.Leader != 1 })
	mustDo(t, err)
	mustDo(t, c.WaitForReplication(apiCtx(t)))
	for _, id := range []int32{2, 3} {
		recs, err := c.Records("crash", 0, id, 0, 10)
		mustDo(t, err)
		if len(recs) != 2 {
			t.Fatalf("broker %d holds %v after the failover to %d, want a, b", id, values(recs), p.Leader)
		}
	}
}
