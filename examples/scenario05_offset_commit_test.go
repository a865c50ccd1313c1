package examples

// Scenario 5: offset commit and reprocessing.
//
// A consumer group remembers where it got to by committing offsets. When
// and what a consumer commits decides what happens after a crash:
//
//   - with enable.auto.commit=true the client commits in the background,
//     every auto.commit.interval.ms, what earlier polls handed out; a
//     consumer killed mid-stream leaves behind a commit older than what
//     it processed, so its successor processes those records again
//     (at-least-once);
//   - with auto-commit off and a synchronous commit after processing each
//     batch, a successor resumes exactly after the last processed record;
//   - a new group (no commit yet) starts where auto.offset.reset says:
//     earliest, latest, or none, which refuses to guess and reports the
//     error.
//
// The crashes cut the consumer's network without a clean close, so it
// neither commits nor leaves; the group waits for its session
// (session.timeout.ms) to expire before handing its partition over. On
// gregor the test moves the cluster's manual clock past the session
// timeout instead of waiting six seconds.

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

const scenario5Session = 6 * time.Second // Kafka's group.min.session.timeout.ms

func TestScenario05_AutoCommitRedeliversAfterCrash(t *testing.T) {
	c := newGroupCluster(t, true)
	topic := c.topic("payments", 1)
	group := c.name("billing")
	c.produce(topic, "payment", 100)

	a := c.consumer("billing-a", group, topic, kgo.AutoCommitInterval(100*time.Millisecond), kgo.SessionTimeout(scenario5Session))
	// a processes all hundred payments, in polls of up to 30.
	var processed []string
	var lastPollStart int64
	for len(processed) < 100 {
		fs := a.cl.PollRecords(c.ctx, 30)
		if err := fs.Err(); err != nil {
			t.Fatal(err)
		}
		if recs := fs.Records(); len(recs) > 0 {
			lastPollStart = recs[0].Offset
			for _, r := range recs {
				processed = append(processed, string(r.Value))
			}
		}
	}
	// Auto-commit commits what earlier polls returned: everything before
	// the last poll. Wait until that commit has happened.
	c.waitCommitted(group, topic, 0, lastPollStart)
	t.Logf("a processed 100 payments; the last auto-commit says %d\n%s", lastPollStart, c.table(group))

	a.crash() // no final commit, no LeaveGroup

	b := c.consumer("billing-b", group, topic, kgo.AutoCommitInterval(100*time.Millisecond), kgo.SessionTimeout(scenario5Session))
	c.expireSession(group, 2, scenario5Session)
	again := c.poll(b, int(100-lastPollStart))
	if again[0] != fmt.Sprintf("payment-%d", lastPollStart) || again[len(again)-1] != "payment-99" {
		t.Fatalf("b got %s..%s", again[0], again[len(again)-1])
	}
	t.Logf("b received payment-%d..payment-99 again: %d payments processed twice", lastPollStart, len(again))
	if s := c.story(group); s != "" {
		t.Logf("the coordinator's story:\n%s", s)
	}
}

func TestScenario05_ManualCommitResumesExactly(t *testing.T) {
	c := newGroupCluster(t, true)
	topic := c.topic("payments", 1)
	group := c.name("ledger")
	c.produce(topic, "payment", 100)

	a := c.consumer("ledger-a", group, topic, kgo.DisableAutoCommit(), kgo.SessionTimeout(scenario5Session))
	// First batch: process, then commit synchronously.
	batch := a.cl.PollRecords(c.ctx, 60).Records()
	if err := a.cl.CommitRecords(c.ctx, batch...); err != nil {
		t.Fatal(err)
	}
	// The rest: process, then commit asynchronously; the callback
	// reports when the commit is durable.
	var rest []*kgo.Record
	for len(batch)+len(rest) < 100 {
		rest = append(rest, a.cl.PollRecords(c.ctx, 100).Records()...)
	}
	done := make(chan error, 1)
	offsets := map[string]map[int32]kgo.EpochOffset{topic: {0: {Epoch: rest[len(rest)-1].LeaderEpoch, Offset: rest[len(rest)-1].Offset + 1}}}
	a.cl.CommitOffsets(c.ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err == nil {
			err = kerr.ErrorForCode(resp.Topics[0].Partitions[0].ErrorCode)
		}
		done <- err
	})
	if err := <-done; err != nil {
		t.Fatalf("async commit: %v", err)
	}
	c.waitCommitted(group, topic, 0, 100)
	// With auto-commit off, the client commits only when told: the
	// history holds exactly the two commits, the synchronous one and
	// the asynchronous one, both accepted.
	if g := c.gregor; g != nil {
		commits := requestsSince(g, 0, "ledger-a", kmsg.OffsetCommit)
		if len(commits) != 2 || len(commits[0].ErrorCodes) != 0 || len(commits[1].ErrorCodes) != 0 {
			t.Fatalf("ledger-a sent OffsetCommit %+v, want the two commits it was told to make", commits)
		}
	}

	a.crash()
	c.produce(topic, "refund", 5)
	b := c.consumer("ledger-b", group, topic, kgo.DisableAutoCommit(), kgo.SessionTimeout(scenario5Session))
	c.expireSession(group, 2, scenario5Session)
	got := c.poll(b, 5)
	if strings.Join(got, ",") != "refund-0,refund-1,refund-2,refund-3,refund-4" {
		t.Fatalf("b resumed with %v, want exactly the five new records", got)
	}
	t.Logf("b resumed exactly after the last commit:\n%s", c.table(group))
}

// auto.offset.reset decides where a group without a committed offset
// starts: earliest, latest, or none (an error instead of a guess).
func TestScenario05_AutoOffsetReset(t *testing.T) {
	c := newGroupCluster(t, false)
	topic := c.topic("events", 1)
	c.produce(topic, "old", 10)

	earliest := c.consumer("earliest", c.name("reset-earliest"), topic, kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if got := c.poll(earliest, 10); got[0] != "old-0" {
		t.Fatalf("earliest started at %s", got[0])
	}

	latest := c.consumer("latest", c.name("reset-latest"), topic, kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()))
	// Once the consumer fetches, it has looked up the log end offset
	// (10): what is produced from now on is what it reads, and only that.
	if err := latest.waitFetching(c.ctx); err != nil {
		t.Fatal(err)
	}
	c.produce(topic, "new", 1)
	if got := c.poll(latest, 1); got[0] != "new-0" {
		t.Fatalf("latest consumed %s, want new-0", got[0])
	}

	// none: a committed offset past the end of the log (the records were
	// deleted, say) is an error the application must handle, where
	// earliest would quietly start over.
	group := c.name("reset-none")
	offs := kadm.Offsets{}
	offs.Add(kadm.Offset{Topic: topic, Partition: 0, At: 500, LeaderEpoch: -1})
	if _, err := c.admin.CommitOffsets(c.ctx, group, offs); err != nil {
		t.Fatal(err)
	}
	none := c.consumer("none", group, topic, kgo.ConsumeResetOffset(kgo.NoResetOffset()))
	for {
		fs := none.cl.PollFetches(c.ctx)
		if err := fs.Err(); err != nil {
			if !errors.Is(err, kerr.OffsetOutOfRange) {
				t.Fatalf("none: %v, want OFFSET_OUT_OF_RANGE", err)
			}
			break
		}
		if fs.NumRecords() > 0 {
			t.Fatalf("none consumed %d records from an out-of-range offset", fs.NumRecords())
		}
	}
}

// waitCommitted waits until the group's committed offset for a partition
// is want.
func (c *groupCluster) waitCommitted(group, topic string, partition int32, want int64) {
	c.t.Helper()
	if c.gregor != nil {
		_, err := c.gregor.WaitForGroup(c.ctx, group, func(d broker.GroupDescription) bool {
			for _, l := range d.Lag {
				if l.Topic == topic && l.Partition == partition {
					return l.CommittedOffset == want
				}
			}
			return false
		})
		if err != nil {
			c.t.Fatalf("committed offset never reached %d: %v\n%s", want, err, c.table(group))
		}
		return
	}
	c.eventually(fmt.Sprintf("the committed offset is %d", want), func() bool {
		offs, err := c.admin.FetchOffsets(c.ctx, group)
		o, ok := offs.Lookup(topic, partition)
		return err == nil && ok && o.At == want
	})
}

// expireSession lets the session of a crashed member run out while its
// successor waits to join (the group has members members, the crashed
// one included): on gregor by moving the manual clock past the session
// timeout once the successor's join is parked; on a real cluster by
// letting the time pass.
func (c *groupCluster) expireSession(group string, members int, session time.Duration) {
	c.t.Helper()
	if c.gregor == nil || c.manual == nil {
		return
	}
	_, err := c.gregor.WaitForGroup(c.ctx, group, func(d broker.GroupDescription) bool {
		return d.State == "PreparingRebalance" && len(d.Members) == members
	})
	if err != nil {
		c.t.Fatalf("the successor never joined: %v\n%s", err, c.story(group))
	}
	c.manual.Advance(session)
}
