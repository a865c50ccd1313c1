package broker_test

// Reassignments under load and across restarts: the check that
// moving replicas (and leadership) while a producer and a consumer run
// loses no acknowledged record, and a move that survives a cluster
// restart on a data directory.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ackedLog records what a producer had acknowledged (acks=all).
type ackedLog struct {
	mu     sync.Mutex
	acked  []string
	failed []error
	wake   chan struct{}
}

func (l *ackedLog) add(v string, err error) {
	l.mu.Lock()
	if err != nil {
		l.failed = append(l.failed, err)
	} else {
		l.acked = append(l.acked, v)
	}
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *ackedLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// waitAcked blocks until n records are acknowledged in all.
func (l *ackedLog) waitAcked(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	for l.count() < n {
		select {
		case <-l.wake:
		case <-ctx.Done():
			t.Fatalf("only %d of %d records acknowledged: %v", l.count(), n, ctx.Err())
		}
	}
}

// Two partitions move while a franz-go producer (acks=all, idempotent)
// writes to both and a consumer reads both: move-0 from {1,2,3} to
// {2,3,4}, so its leader 1 leaves, and move-1 from {2,3,4} to {1,3,4},
// so its leader 2 leaves and the new replica on broker 1, first in the
// target, takes over once it has copied the log and joined the ISR. The producer follows the new leaders
// (NOT_LEADER_OR_FOLLOWER, then fresh metadata); the consumer sees every
// acknowledged record, once.
func TestReassignmentUnderProduceAndConsume(t *testing.T) {
	c := startAPICluster(t, broker.Brokers(4), broker.Topic("move", 2, 3, nil))
	for p, want := range [][]int32{{1, 2, 3}, {2, 3, 4}} {
		if got := partitionInfo(t, c, "move", int32(p)).Replicas; !slices.Equal(got, want) {
			t.Fatalf("move-%d starts on %v, want %v", p, got, want)
		}
	}
	ctx := apiCtx(t)
	prod := replClient(t, c, kgo.DefaultProduceTopic("move"))
	log := &ackedLog{wake: make(chan struct{}, 1)}
	stop := make(chan struct{})
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			v := strconv.Itoa(i)
			prod.Produce(ctx, &kgo.Record{Partition: int32(i % 2), Value: []byte(v)}, func(_ *kgo.Record, err error) { log.add(v, err) })
			if i%50 == 49 {
				if err := prod.Flush(ctx); err != nil {
					return
				}
			}
		}
	}()

	seen := map[string]int{}
	cons := replClient(t, c, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		"move": {0: kgo.NewOffset().AtStart(), 1: kgo.NewOffset().AtStart()},
	}))
	poll := func() {
		fs := cons.PollFetches(ctx)
		fs.EachRecord(func(r *kgo.Record) { seen[string(r.Value)]++ })
		for _, e := range fs.Errors() {
			if ctx.Err() != nil {
				t.Fatalf("consuming: %v", e.Err)
			}
		}
	}

	log.waitAcked(t, ctx, 200)
	adm := kadm.NewClient(replClient(t, c))
	var req kadm.AlterPartitionAssignmentsReq
	req.Assign("move", 0, []int32{2, 3, 4})
	req.Assign("move", 1, []int32{1, 3, 4})
	res, err := adm.AlterPartitionAssignments(ctx, req)
	if err != nil || res.Error() != nil {
		t.Fatalf("AlterPartitionAssignments: %v %v", err, res.Error())
	}
	mustDo(t, c.WaitForReassignments(ctx))
	atMove := log.count()
	log.waitAcked(t, ctx, atMove+200)
	close(stop)
	<-produced
	mustDo(t, prod.Flush(ctx))

	for p, want := range [][]int32{{2, 3, 4}, {1, 3, 4}} {
		got := partitionInfo(t, c, "move", int32(p))
		if !slices.Equal(got.Replicas, want) || !sameSet(got.ISR, want) || got.Leader != want[0] {
			t.Fatalf("move-%d ends %+v, want replicas and ISR %v led by %d", p, got, want, want[0])
		}
	}
	log.mu.Lock()
	acked, failed := slices.Clone(log.acked), log.failed
	log.mu.Unlock()
	if len(failed) > 0 {
		t.Logf("%d produce failures (not acknowledged, so not checked): first %v", len(failed), failed[0])
	}
	missing := func() []string {
		var out []string
		for _, v := range acked {
			if seen[v] == 0 {
				out = append(out, v)
			}
		}
		return out
	}
	for len(missing()) > 0 {
		if ctx.Err() != nil {
			m := missing()
			t.Fatalf("%d of %d acknowledged records never consumed, first %v", len(m), len(acked), m[:min(5, len(m))])
		}
		poll()
	}
	for v, n := range seen {
		if n > 1 {
			t.Fatalf("record %s consumed %d times: the idempotent producer's retries were written twice", v, n)
		}
	}
	t.Logf("%d records acknowledged, %d of them after the moves, all consumed once", len(acked), len(acked)-atMove)
}

// A reassignment in progress is cluster metadata: it survives a restart
// of the whole cluster on a data directory, and completes afterwards.
// A broker that was stopped while a replica was moved off it deletes the
// stray log when it starts again.
func TestReassignmentSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	c := startMoveCluster(t, broker.DataDir(dir))
	cl := replClient(t, c)
	produceValues(t, cl, "move", 0, "a", "b", "c")
	mustDo(t, c.StopBroker(4))
	mustDo(t, c.AlterPartitionReassignment("move", 0, []int32{2, 3, 4}))
	mustDo(t, c.StopBroker(4)) // already stopped: no change
	c2, err := c.Restart()
	if err != nil {
		t.Fatalf("restarting: %v", err)
	}
	t.Cleanup(func() { c2.Close() })
	mustDo(t, c2.WaitForReassignments(apiCtx(t)))
	p := partitionInfo(t, c2, "move", 0)
	if !slices.Equal(p.Replicas, []int32{2, 3, 4}) || p.Leader != 2 {
		t.Fatalf("after the restart move-0 is %+v, want [2 3 4] led by 2", p)
	}
	mustDo(t, c2.WaitForReplication(apiCtx(t)))
	if r := partitionInfo(t, c2, "move", 0).Replica[4]; r.LogEndOffset != 3 {
		t.Fatalf("broker 4 copied up to %d, want 3", r.LogEndOffset)
	}

	// Broker 2 is stopped while move-0 leaves it; it finds the stray log
	// when it starts.
	mustDo(t, c2.StopBroker(2))
	mustDo(t, c2.AlterPartitionReassignment("move", 0, []int32{3, 4, 1}))
	mustDo(t, c2.WaitForReassignments(apiCtx(t)))
	stray := brokerPartitionDir(t, dir, 2, "move", 0)
	if _, err := os.Stat(stray); err != nil {
		t.Fatalf("broker 2's log of move-0 should still be on disk while it is stopped: %v", err)
	}
	mustDo(t, c2.StartBroker(2))
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Fatalf("broker 2 kept its stray log of move-0 after starting: %v", err)
	}
	if _, err := os.Stat(brokerPartitionDir(t, dir, 1, "move", 0)); err != nil {
		t.Fatalf("broker 1's new replica of move-0: %v", err)
	}
}

// brokerPartitionDir finds a partition's directory under a broker's log
// directory in the cluster's data directory.
func brokerPartitionDir(t *testing.T, root string, id int32, topic string, p int32) string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(root, "*"+strconv.Itoa(int(id)), fmt.Sprintf("%s-%d", topic, p)))
	if err != nil || len(matches) != 1 {
		entries, _ := os.ReadDir(root)
		t.Fatalf("no single log directory of broker %d under %s (%v): %v", id, root, entries, matches)
	}
	return matches[0]
}
