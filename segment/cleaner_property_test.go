package segment

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gregorkafka/gregor/record"
)

type written struct {
	key, value string // value "" is a tombstone
	ms         int64
}

// Random keyed writes, tombstones, clock advances, cleanings and reopens:
// after every step the log read from its start holds only records written
// at those very offsets, in increasing order; every key's latest value is
// there; everything at or above the active segment is there; and a
// tombstone that is its key's latest is missing only once
// delete.retention.ms has passed since it was written; and the cleaned
// part (below the first dirty offset) holds each key at most once.
func TestCleanerProperty(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, seed))
			d, cfg, l := openRandomLog(t, rng, 400)
			defer func() { l.Close() }()
			const drm = 1000
			now := int64(1000)
			log := map[int64]written{}
			latest := map[string]int64{}
			for step := 0; step < 300; step++ {
				switch op := rng.IntN(10); {
				case op < 6:
					k := fmt.Sprint("k", rng.IntN(8))
					v := fmt.Sprint("v", step)
					if rng.IntN(5) == 0 {
						v = ""
					}
					off := l.LogEndOffset()
					appendKeyed(t, l, now, [2]string{k, v})
					log[off] = written{k, v, now}
					latest[k] = off
				case op < 8:
					now += int64(rng.IntN(600))
				case op < 9:
					if _, err := l.Clean(CleanOptions{NowMs: now, DeleteRetentionMs: drm, Bound: l.LogEndOffset()}); err != nil {
						t.Fatal(err)
					}
				default:
					first := l.FirstDirtyOffset()
					if err := l.Close(); err != nil {
						t.Fatal(err)
					}
					var err error
					if l, err = Open(d, cfg, OpenOptions{}); err != nil {
						t.Fatal(err)
					}
					if err := l.SetFirstDirtyOffset(first); err != nil {
						t.Fatal(err)
					}
				}
				checkAgainstModel(t, step, l, log, latest, now, drm)
			}
		})
	}
}

func checkAgainstModel(t *testing.T, step int, l *Log, log map[int64]written, latest map[string]int64, now, drm int64) {
	t.Helper()
	seen := map[int64]bool{}
	prev := int64(-1)
	activeBase := l.active().baseOffset
	firstDirty := l.FirstDirtyOffset()
	cleanedKeys := map[string]int64{}
	err := l.Batches(l.LogStartOffset(), func(b []byte, h record.Header) (bool, error) {
		return true, record.Each(b, func(_ int, r record.Record) error {
			w, ok := log[r.Offset]
			v := string(r.Value)
			if !ok || w.key != string(r.Key) || w.value != v || (r.Value == nil) != (w.value == "") || r.Timestamp != w.ms {
				return fmt.Errorf("step %d: offset %d holds %s=%s at %d, written %+v", step, r.Offset, r.Key, r.Value, r.Timestamp, w)
			}
			if r.Offset <= prev {
				return fmt.Errorf("step %d: offset %d after %d", step, r.Offset, prev)
			}
			prev = r.Offset
			seen[r.Offset] = true
			if r.Offset < firstDirty {
				if o, dup := cleanedKeys[w.key]; dup {
					return fmt.Errorf("step %d: key %s at %d and %d below the first dirty offset %d", step, w.key, o, r.Offset, firstDirty)
				}
				cleanedKeys[w.key] = r.Offset
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	for off := activeBase; off < l.LogEndOffset(); off++ {
		if !seen[off] {
			t.Fatalf("step %d: offset %d of the active segment is missing", step, off)
		}
	}
	for k, off := range latest {
		w := log[off]
		if seen[off] {
			continue
		}
		if w.value != "" {
			t.Fatalf("step %d: key %s's latest value at %d is missing", step, k, off)
		}
		if now < w.ms+drm {
			t.Fatalf("step %d: key %s's tombstone at %d went %d ms after it was written", step, k, off, now-w.ms)
		}
	}
}

// txnModel is what a transactional property run wrote.
type txnModel struct {
	log       map[int64]written // data records by offset
	txnOf     map[int64]int     // data offset -> transaction number (absent: not transactional)
	markerAt  map[int]int64     // transaction -> its marker's offset
	markerMs  map[int]int64     // transaction -> when its marker was written
	aborted   map[int]bool      // transaction -> aborted
	open      map[int64]int     // producer -> its open transaction
	openFirst map[int64]int64   // producer -> first offset of its open transaction
	index     []AbortedTxn      // the transaction index, as the partition keeps it
	seq       map[int64]int32
}

func appendTxnData(t *testing.T, l *Log, now int64, pid int64, seq int32, k, v string) {
	t.Helper()
	r := record.Record{Timestamp: now, Key: []byte(k), Value: []byte(v)}
	if v == "" {
		r.Value = nil
	}
	b, err := record.Build(record.BatchOptions{Transactional: true, HasProducer: true, ProducerID: pid, BaseSequence: seq}, []record.Record{r})
	if err != nil {
		t.Fatal(err)
	}
	record.SetBaseOffset(b, l.LogEndOffset())
	h, _ := record.Check(b)
	if err := l.Append(b, h, now); err != nil {
		t.Fatal(err)
	}
}

func appendMarker(t *testing.T, l *Log, now int64, pid int64, commit bool) {
	t.Helper()
	b, err := record.Build(record.BatchOptions{Transactional: true, Control: true, HasProducer: true, ProducerID: pid, BaseSequence: -1},
		[]record.Record{{Timestamp: now, Key: record.EndTxnMarkerKey(commit), Value: record.EndTxnMarkerValue(0)}})
	if err != nil {
		t.Fatal(err)
	}
	record.SetBaseOffset(b, l.LogEndOffset())
	h, _ := record.Check(b)
	if err := l.Append(b, h, now); err != nil {
		t.Fatal(err)
	}
}

// Random plain and transactional keyed writes (three producers, each
// committing or aborting), clock advances, cleanings bounded by the last
// stable offset, and reopens. After every step: the log holds only what
// was written at those offsets; no record of an open transaction is
// gone; a record of an aborted transaction is never there without the
// index entry that makes a read_committed consumer drop it, and none is
// left below the first dirty offset; every key's latest value outside
// aborted transactions is there (a tombstone goes only after
// delete.retention.ms); a marker is there while any record of its
// transaction is, and goes only delete.retention.ms after it was written.
// Each cleaning has appends and rolls between its steps, as it does when
// it runs beside produce.
func TestCleanerTxnProperty(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, seed*7))
			d, cfg, l := openRandomLog(t, rng, 600)
			defer func() { l.Close() }()
			const drm = 1000
			now := int64(1000)
			m := &txnModel{log: map[int64]written{}, txnOf: map[int64]int{}, markerAt: map[int]int64{}, markerMs: map[int]int64{},
				aborted: map[int]bool{}, open: map[int64]int{}, openFirst: map[int64]int64{}, seq: map[int64]int32{}}
			txns := 0
			for step := 0; step < 400; step++ {
				plainWrite := func() {
					k, v := fmt.Sprint("k", rng.IntN(6)), fmt.Sprint("v", step)
					if rng.IntN(5) == 0 {
						v = ""
					}
					off := l.LogEndOffset()
					appendKeyed(t, l, now, [2]string{k, v})
					m.log[off] = written{k, v, now}
				}
				switch op := rng.IntN(20); {
				case op < 5:
					plainWrite()
				case op < 11: // a transactional write
					pid := int64(1 + rng.IntN(3))
					if _, ok := m.open[pid]; !ok {
						txns++
						m.open[pid], m.openFirst[pid] = txns, l.LogEndOffset()
					}
					k, v := fmt.Sprint("k", rng.IntN(6)), fmt.Sprint("t", step)
					if rng.IntN(6) == 0 {
						v = ""
					}
					off := l.LogEndOffset()
					appendTxnData(t, l, now, pid, m.seq[pid], k, v)
					m.seq[pid]++
					m.log[off] = written{k, v, now}
					m.txnOf[off] = m.open[pid]
				case op < 14: // a marker
					pid := int64(1 + rng.IntN(3))
					txn, ok := m.open[pid]
					if !ok {
						continue
					}
					commit := rng.IntN(2) == 0
					off := l.LogEndOffset()
					appendMarker(t, l, now, pid, commit)
					m.markerAt[txn], m.markerMs[txn], m.aborted[txn] = off, now, !commit
					if !commit {
						lso := off + 1
						for p, first := range m.openFirst {
							if p != pid && first < lso {
								lso = first
							}
						}
						m.index = append(m.index, AbortedTxn{ProducerID: pid, FirstOffset: m.openFirst[pid], LastOffset: off, LastStableOffset: lso})
					}
					delete(m.open, pid)
					delete(m.openFirst, pid)
				case op < 17:
					now += int64(rng.IntN(600))
				case op < 19:
					bound := l.LogEndOffset()
					for _, first := range m.openFirst {
						bound = min(bound, first)
					}
					c, err := l.PrepareClean(CleanOptions{NowMs: now, DeleteRetentionMs: drm, Bound: bound, AbortedTxns: m.index})
					if err != nil {
						t.Fatal(err)
					}
					if c == nil {
						continue
					}
					// Appends and rolls go on while the cleaning builds, as
					// they do without the owner's lock.
					for n := rng.IntN(4); n > 0; n-- {
						plainWrite()
						if rng.IntN(3) == 0 {
							if err := l.Roll(now); err != nil {
								t.Fatal(err)
							}
						}
					}
					buildErr := c.Build()
					plainWrite()
					res, err := c.Finish(buildErr)
					if err != nil {
						t.Fatal(err)
					}
					if res.Segments > 0 {
						m.index = slices.DeleteFunc(m.index, func(a AbortedTxn) bool {
							return a.LastOffset >= res.FirstOffset && a.LastOffset < res.EndOffset && !slices.Contains(res.KeptAbortedTxns, a)
						})
					}
				default:
					first := l.FirstDirtyOffset()
					if err := l.Close(); err != nil {
						t.Fatal(err)
					}
					var err error
					if l, err = Open(d, cfg, OpenOptions{}); err != nil {
						t.Fatal(err)
					}
					if err := l.SetFirstDirtyOffset(first); err != nil {
						t.Fatal(err)
					}
				}
				checkTxnModel(t, step, l, m, now, drm)
			}
		})
	}
}

func checkTxnModel(t *testing.T, step int, l *Log, m *txnModel, now, drm int64) {
	t.Helper()
	seen := map[int64]bool{}
	markers := map[int64]bool{}
	firstDirty := l.FirstDirtyOffset()
	err := l.Batches(l.LogStartOffset(), func(b []byte, h record.Header) (bool, error) {
		if h.IsControl() {
			if h.NumRecords > 0 {
				markers[h.BaseOffset] = true
			}
			return true, nil
		}
		return true, record.Each(b, func(_ int, r record.Record) error {
			w, ok := m.log[r.Offset]
			if !ok || w.key != string(r.Key) || w.value != string(r.Value) || r.Timestamp != w.ms {
				return fmt.Errorf("step %d: offset %d holds %s=%s, written %+v", step, r.Offset, r.Key, r.Value, w)
			}
			seen[r.Offset] = true
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	open := map[int]bool{}
	for _, txn := range m.open {
		open[txn] = true
	}
	hasData := map[int]bool{}
	latest := map[string]int64{}
	for off, w := range m.log {
		txn, isTxn := m.txnOf[off]
		if isTxn && seen[off] {
			hasData[txn] = true
		}
		switch {
		case isTxn && open[txn]:
			if !seen[off] {
				t.Fatalf("step %d: offset %d of open transaction %d is gone", step, off, txn)
			}
		case isTxn && m.aborted[txn]:
			if !seen[off] {
				continue
			}
			if off < firstDirty {
				t.Fatalf("step %d: aborted record at %d below the first dirty offset %d", step, off, firstDirty)
			}
			if !slices.ContainsFunc(m.index, func(a AbortedTxn) bool { return a.LastOffset == m.markerAt[txn] }) {
				t.Fatalf("step %d: aborted record at %d without its index entry: read_committed would return it", step, off)
			}
		default:
			if o, ok := latest[w.key]; !ok || off > o {
				latest[w.key] = off
			}
		}
	}
	for k, off := range latest {
		if w := m.log[off]; !seen[off] && (w.value != "" || now < w.ms+drm) {
			t.Fatalf("step %d: key %s's latest value at %d (%+v) is missing", step, k, off, w)
		}
	}
	for txn, off := range m.markerAt {
		if markers[off] {
			continue
		}
		if hasData[txn] {
			t.Fatalf("step %d: marker of transaction %d at %d is gone while its data is there", step, txn, off)
		}
		if now < m.markerMs[txn]+drm {
			t.Fatalf("step %d: marker at %d went %d ms after it was written", step, off, now-m.markerMs[txn])
		}
	}
}

// openRandomLog opens a log in a memory directory with cleanerConfig's
// settings but a segment size of 160 bytes plus up to extra more, drawn
// from rng, so that each seed rolls at other offsets.
func openRandomLog(t *testing.T, rng *rand.Rand, extra int) (Dir, Config, *Log) {
	t.Helper()
	d := MemoryDir()
	cfg := cleanerConfig()
	cfg.SegmentBytes = 160 + rng.IntN(extra)
	l, err := Open(d, cfg, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d, cfg, l
}
