package partition

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
)

// compactSet is one compacted replica whose segments hold two
// single-record batches each, every record's value its key's version.
func compactSet(t *testing.T, change ...func(*Config)) *replicaSet {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Compact = true
	cfg.Segment.SegmentBytes = 160
	cfg.Segment.IndexIntervalBytes = 1
	cfg.MinCleanableRatio = 0.01
	for _, c := range change {
		c(&cfg)
	}
	return newReplicaSet(t, cfg, 1)
}

func (s *replicaSet) roll() {
	s.t.Helper()
	p := s.leader()
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.log.Roll(0); err != nil {
		s.t.Fatal(err)
	}
}

func (s *replicaSet) produceKeyed(kvs ...string) {
	s.t.Helper()
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		rs := s.records(v)
		rs[0].Key = []byte(k)
		b, err := record.Build(record.BatchOptions{}, rs)
		if err != nil {
			s.t.Fatal(err)
		}
		if _, err := s.leader().AppendAsLeader(b, 1); err != nil {
			s.t.Fatal(err)
		}
	}
}

// keyed is the leader's log from its start as "offset:key=value".
func (s *replicaSet) keyed() string {
	s.t.Helper()
	p := s.leader()
	var out []string
	err := p.log.Batches(p.log.LogStartOffset(), func(b []byte, h record.Header) (bool, error) {
		if h.IsControl() {
			if commit, _, ok := record.ReadEndTxnMarker(b); ok {
				out = append(out, fmt.Sprintf("%d:%s", h.BaseOffset, map[bool]string{true: "COMMIT", false: "ABORT"}[commit]))
			}
			return true, nil
		}
		return true, record.Each(b, func(_ int, r record.Record) error {
			out = append(out, fmt.Sprintf("%d:%s=%s", r.Offset, r.Key, r.Value))
			return nil
		})
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return strings.Join(out, " ")
}

// cleanPaused runs Clean on the leader in a goroutine that stops after
// the cleaned segments are written and before they are swapped in; it
// returns once the cleaning is there, and a function that lets it finish
// and returns its result.
func (s *replicaSet) cleanPaused() func() (segment.CleanResult, error) {
	p := s.leader()
	paused, release := make(chan struct{}), make(chan struct{})
	p.mu.Lock()
	p.cleanerPaused = func() {
		close(paused)
		<-release
	}
	p.mu.Unlock()
	type result struct {
		res segment.CleanResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := p.Clean()
		done <- result{res, err}
	}()
	<-paused
	var once sync.Once
	let := func() { once.Do(func() { close(release) }) }
	s.t.Cleanup(let) // a failed test must not leave the replica locked for its Close
	return func() (segment.CleanResult, error) {
		let()
		r := <-done
		return r.res, r.err
	}
}

func cleanedFiles(t *testing.T, d segment.Dir) []string {
	t.Helper()
	names, err := d.Names()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if strings.HasSuffix(n, segment.CleanedSuffix) || strings.HasSuffix(n, segment.SwapSuffix) {
			out = append(out, n)
		}
	}
	return out
}

// While the cleaner reads the old segments and writes the cleaned ones,
// the replica is not locked: a produce completes, and the cleaning then
// swaps its segments in below the new record.
func TestCleanAlongsideProduce(t *testing.T) {
	s := compactSet(t)
	s.produceKeyed("a=1", "b=1", "a=2", "b=2", "a=3", "c=1")
	finish := s.cleanPaused()
	if len(cleanedFiles(t, s.dirs[1])) == 0 {
		t.Fatal("no .cleaned files while the cleaning is paused before its swap")
	}
	p := s.leader()
	if !p.mu.TryLock() {
		t.Fatal("the replica is locked while the cleaner builds its segments")
	}
	p.mu.Unlock()
	s.produceKeyed("a=4")
	res, err := finish()
	if err != nil {
		t.Fatal(err)
	}
	if res.Segments != 2 || res.RecordsRemoved != 2 {
		t.Fatalf("cleaning result %+v, want 2 segments replaced and 2 records removed", res)
	}
	if got, want := s.keyed(), "2:a=2 3:b=2 4:a=3 5:c=1 6:a=4"; got != want {
		t.Fatalf("log after the cleaning %s, want %s", got, want)
	}
	if left := cleanedFiles(t, s.dirs[1]); len(left) != 0 {
		t.Fatalf("files left after the swap: %v", left)
	}
}

// DeleteRecords that deletes the segments being cleaned while the
// cleaner builds drops their group: nothing below the new log start comes
// back, the cleaned files go, and the later group is still swapped in.
func TestCleanAfterDeleteRecordsMeanwhile(t *testing.T) {
	s := compactSet(t)
	s.produceKeyed("a=1", "b=1", "a=2", "b=2", "a=3", "c=1", "d=1")
	finish := s.cleanPaused()
	if _, err := s.leader().DeleteRecordsBefore(2); err != nil {
		t.Fatal(err)
	}
	res, err := finish()
	if err != nil {
		t.Fatal(err)
	}
	if got := s.keyed(); strings.Contains(got, "0:") || strings.Contains(got, "1:") || !strings.Contains(got, "6:d=1") {
		t.Fatalf("log after the cleaning %s", got)
	}
	if res.FirstOffset < 2 || res.Segments == 0 {
		t.Fatalf("cleaning result %+v: the deleted group was swapped in, or nothing was", res)
	}
	if left := cleanedFiles(t, s.dirs[1]); len(left) != 0 {
		t.Fatalf("files left after the cleaning: %v", left)
	}
}

// A truncation into the segments being cleaned aborts the cleaning: the
// log is what the truncation left, the cleaned files go, and the first
// dirty offset does not move.
func TestCleanAbortedByTruncation(t *testing.T) {
	s := compactSet(t)
	s.produceKeyed("a=1", "b=1", "a=2", "b=2", "a=3", "c=1", "d=1")
	finish := s.cleanPaused()
	p := s.leader()
	p.mu.Lock()
	err := p.log.TruncateTo(3)
	p.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	res, err := finish()
	if err != nil || res.Segments != 0 {
		t.Fatalf("cleaning after a truncation: %+v, %v; want nothing replaced", res, err)
	}
	if got, want := s.keyed(), "0:a=1 1:b=1 2:a=2"; got != want {
		t.Fatalf("log %s, want %s", got, want)
	}
	if p.FirstDirtyOffset() != 0 {
		t.Fatalf("first dirty offset %d after an aborted cleaning", p.FirstDirtyOffset())
	}
	if left := cleanedFiles(t, s.dirs[1]); len(left) != 0 {
		t.Fatalf("files left after the aborted cleaning: %v", left)
	}
}

// Closing the replica while a cleaning builds waits for it, then removes
// what it wrote.
func TestCloseDuringCleaning(t *testing.T) {
	s := compactSet(t)
	s.produceKeyed("a=1", "b=1", "a=2", "b=2", "a=3")
	finish := s.cleanPaused()
	closed := make(chan error, 1)
	go func() { closed <- s.leader().Close() }()
	res, err := finish()
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if left := cleanedFiles(t, s.dirs[1]); res.Segments == 0 && len(left) != 0 {
		t.Fatalf("files left after a cleaning abandoned by Close: %v", left)
	}
}

// Aborted transactions' data is removed and never shadows a committed
// value; an ABORT marker and its index entry stay while the cleaning
// still meets its data, the entry goes with the data, and the marker
// after delete.retention.ms; a COMMIT marker stays while its
// transaction's data does.
func TestCleanTransactions(t *testing.T) {
	s := compactSet(t, func(c *Config) {
		c.Segment.SegmentBytes = 1 << 20
		c.DeleteRetentionMs = 1000
	})
	p := s.leader()
	keyedTxn := func(pid int64, seq int32, kv string) {
		k, v, _ := strings.Cut(kv, "=")
		rs := s.records(v)
		rs[0].Key = []byte(k)
		b, err := record.Build(record.BatchOptions{Transactional: true, HasProducer: true, ProducerID: pid, BaseSequence: seq}, rs)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.AppendAsLeader(b, 1); err != nil {
			t.Fatal(err)
		}
	}
	keyedTxn(7, 0, "a=committed")                        // 0
	s.mustMarker(TxnMarker{ProducerID: 7, Commit: true}) // 1
	keyedTxn(8, 0, "a=aborted")                          // 2
	keyedTxn(8, 1, "b=aborted")                          // 3
	s.mustMarker(TxnMarker{ProducerID: 8})               // 4
	s.produceKeyed("c=1")                                // 5
	keyedTxn(8, 2, "d=1")                                // 6
	s.mustMarker(TxnMarker{ProducerID: 8, Commit: true}) // 7
	s.roll()
	clean := func(want string, wantAborted int) {
		t.Helper()
		if _, err := p.Clean(); err != nil {
			t.Fatal(err)
		}
		if got := s.keyed(); got != want {
			t.Fatalf("after cleaning %s, want %s", got, want)
		}
		if n := len(p.AbortedTransactions(0)); n != wantAborted {
			t.Fatalf("%d aborted transactions indexed, want %d", n, wantAborted)
		}
	}
	clean("0:a=committed 1:COMMIT 4:ABORT 5:c=1 6:d=1 7:COMMIT", 1)
	s.produceKeyed("c=2") // 8
	s.roll()
	// No data of the aborted transaction is left: its entry goes, its
	// marker waits for its delete horizon.
	clean("0:a=committed 1:COMMIT 4:ABORT 6:d=1 7:COMMIT 8:c=2", 0)
	s.produceKeyed("c=3") // 9
	s.roll()
	s.advance(time.Second)
	clean("0:a=committed 1:COMMIT 6:d=1 7:COMMIT 9:c=3", 0)
}

// Cleanings and produce at once, on two goroutines (run with -race): the
// cleaner's reads and writes share nothing unlocked with the appends, and
// afterwards every key's latest value is there.
func TestCleanRacesProduce(t *testing.T) {
	s := compactSet(t)
	p := s.leader()
	s.produceKeyed("k0=0", "k1=0", "k2=0")
	stop := make(chan struct{})
	cleaned := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				cleaned <- n
				return
			default:
			}
			res, err := p.Clean()
			if err != nil {
				t.Error(err)
			}
			n += res.Segments
		}
	}()
	for i := 1; i <= 300; i++ {
		s.produceKeyed(fmt.Sprintf("k%d=%d", i%3, i))
	}
	close(stop)
	n := <-cleaned
	if _, err := p.Clean(); err != nil {
		t.Fatal(err)
	}
	got := s.keyed()
	for k, v := range map[string]int{"k0": 300, "k1": 298, "k2": 299} {
		if !strings.Contains(got, fmt.Sprintf("%s=%d", k, v)) {
			t.Fatalf("log %s lacks %s's latest value %d", got, k, v)
		}
	}
	t.Logf("%d segments replaced while producing", n)
}
