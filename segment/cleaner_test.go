package segment

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/record"
)

// appendKeyed appends one single-record batch per key=value ("" value:
// a tombstone), stamped ts.
func appendKeyed(t *testing.T, l *Log, ts int64, kvs ...[2]string) {
	t.Helper()
	for _, kv := range kvs {
		r := record.Record{Timestamp: ts, Key: []byte(kv[0]), Value: []byte(kv[1])}
		if kv[1] == "" {
			r.Value = nil
		}
		b, err := record.Build(record.BatchOptions{}, []record.Record{r})
		if err != nil {
			t.Fatal(err)
		}
		record.SetBaseOffset(b, l.LogEndOffset())
		h, _ := record.Check(b)
		if err := l.Append(b, h, ts); err != nil {
			t.Fatal(err)
		}
	}
}

// dump is the log from its start as "offset:key=value" ("key=" for a
// tombstone).
func dump(t *testing.T, l *Log) []string {
	t.Helper()
	var out []string
	err := l.Batches(l.LogStartOffset(), func(b []byte, h record.Header) (bool, error) {
		return true, record.Each(b, func(_ int, r record.Record) error {
			out = append(out, fmt.Sprintf("%d:%s=%s", r.Offset, r.Key, r.Value))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func cleanerConfig() Config {
	c := DefaultConfig()
	c.SegmentBytes = 160 // two single-record batches per segment
	c.IndexIntervalBytes = 1
	return c
}

// openKeyedLog opens a log of cleanerConfig in d holding eight keyed
// records, two a segment (segments at 0, 2, 4, 6): a, b, a, c, a
// tombstone of b, a, c, a, which the cleaner tests compact.
func openKeyedLog(t *testing.T, d Dir) *Log {
	t.Helper()
	l, err := Open(d, cleanerConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	appendKeyed(t, l, 1000, [2]string{"a", "1"}, [2]string{"b", "1"}, [2]string{"a", "2"}, [2]string{"c", "1"},
		[2]string{"b", ""}, [2]string{"a", "3"}, [2]string{"c", "2"}, [2]string{"a", "4"})
	return l
}

// Cleaning keeps the latest record of each key at its own offset below
// the active segment, keeps a tombstone until delete.retention.ms after
// the cleaning that first kept it, groups the small cleaned segments into
// one, and never touches the active segment or what lies at or above the
// bound.
func TestCleanKeepsLatestPerKey(t *testing.T) {
	for name, newDir := range dirs(t) {
		t.Run(name, func(t *testing.T) {
			l := openKeyedLog(t, newDir())
			defer l.Close()
			segs, _ := l.Segments()
			if len(segs) != 4 {
				t.Fatalf("%d segments, want 4", len(segs))
			}
			o := CleanOptions{NowMs: 5000, DeleteRetentionMs: 1000, Bound: l.LogEndOffset()}
			res, err := l.Clean(o)
			if err != nil {
				t.Fatal(err)
			}
			// The active segment holds 6 (c=2) and 7 (a=4); below it a=3 at
			// 5 is the latest a there, b's tombstone at 4 stays for now.
			want := "[3:c=1 4:b= 5:a=3 6:c=2 7:a=4]"
			if got := fmt.Sprint(dump(t, l)); got != want {
				t.Fatalf("after cleaning %s, want %s", got, want)
			}
			// Each old segment is near segment.bytes, so none could be
			// grouped with another: three cleaned segments, each at its old
			// base offset (the first one now empty).
			if res.Segments != 3 || res.Cleaned != 3 || res.RecordsRemoved != 3 || res.BytesAfter >= res.BytesBefore {
				t.Fatalf("result %+v", res)
			}
			segs, _ = l.Segments()
			if len(segs) != 4 || segs[0].BaseOffset != 0 || segs[2].BaseOffset != 4 || !segs[2].Cleaned || segs[3].Cleaned || l.FirstDirtyOffset() != 6 {
				t.Fatalf("segments %+v, first dirty %d", segs, l.FirstDirtyOffset())
			}
			if l.LogStartOffset() != 0 {
				t.Fatalf("log start offset %d: cleaning moved it", l.LogStartOffset())
			}

			// Before the horizon the tombstone stays; after it, it goes.
			o.NowMs = 5999
			if _, err := l.Clean(o); err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(dump(t, l)); got != want {
				t.Fatalf("before the delete horizon %s, want %s", got, want)
			}
			// The now small cleaned segments were grouped: 0 and 70 bytes
			// fit one segment.bytes of 160, the 140 bytes at 4 do not join.
			if segs, _ = l.Segments(); len(segs) != 3 || segs[1].BaseOffset != 4 {
				t.Fatalf("after regrouping %+v", segs)
			}
			o.NowMs = 6000
			if _, err := l.Clean(o); err != nil {
				t.Fatal(err)
			}
			if got, want := fmt.Sprint(dump(t, l)), "[3:c=1 5:a=3 6:c=2 7:a=4]"; got != want {
				t.Fatalf("at the delete horizon %s, want %s", got, want)
			}
		})
	}
}

// Nothing at or above the bound (the high watermark) and nothing younger
// than min.compaction.lag.ms is cleaned.
func TestCleanStopsAtBoundAndMinLag(t *testing.T) {
	l, err := Open(MemoryDir(), cleanerConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	appendKeyed(t, l, 1000, [2]string{"a", "1"}, [2]string{"a", "2"})
	appendKeyed(t, l, 2000, [2]string{"a", "3"}, [2]string{"a", "4"})
	appendKeyed(t, l, 3000, [2]string{"a", "5"})
	before := fmt.Sprint(dump(t, l))
	if res, _ := l.Clean(CleanOptions{NowMs: 9000, Bound: 1}); res.Segments != 0 || fmt.Sprint(dump(t, l)) != before {
		t.Fatalf("cleaned below a bound inside the first segment: %+v", res)
	}
	res, err := l.Clean(CleanOptions{NowMs: 2500, MinCompactionLagMs: 1000, Bound: l.LogEndOffset()})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(dump(t, l)), "[1:a=2 2:a=3 3:a=4 4:a=5]"; res.Segments != 1 || got != want {
		t.Fatalf("with min.compaction.lag.ms: %+v %s, want %s", res, got, want)
	}
}

// Kafka's groupSegmentsBySize: segments join while the .log sizes stay
// within segment.bytes and the index sizes within segment.index.bytes,
// and their offsets within 32 bits of the group's base offset, which an
// empty segment does not need.
func TestGroupBySize(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SegmentBytes, cfg.SegmentIndexBytes = 1000, 100
	seg := func(base, size, indexes int64) cleaningSegment {
		return cleaningSegment{base: base, size: size, indexes: indexes, timeIndexs: indexes}
	}
	const far = 1 << 32
	for name, tc := range map[string]struct {
		segs []cleaningSegment
		want string
	}{
		"by size":             {[]cleaningSegment{seg(0, 400, 0), seg(10, 600, 0), seg(20, 1, 0)}, "[[0 2] [2 3]]"},
		"by index size":       {[]cleaningSegment{seg(0, 1, 60), seg(10, 1, 60), seg(20, 1, 30)}, "[[0 1] [1 3]]"},
		"offsets overflow":    {[]cleaningSegment{seg(0, 10, 0), seg(far, 10, 0)}, "[[0 1] [1 2]]"},
		"empty joins anyway":  {[]cleaningSegment{seg(0, 10, 0), seg(10, 0, 0), seg(far, 10, 0)}, "[[0 2] [2 3]]"},
		"last one's estimate": {[]cleaningSegment{seg(0, 10, 0), seg(10, 10, 0)}, "[[0 1] [1 2]]"},
	} {
		t.Run(name, func(t *testing.T) {
			uncleanable := tc.segs[len(tc.segs)-1].base + 100
			if name == "last one's estimate" {
				uncleanable = far // the last segment may run up to here
			}
			if got := fmt.Sprint(groupBySize(tc.segs, cfg, uncleanable)); got != tc.want {
				t.Fatalf("groups %s, want %s", got, tc.want)
			}
		})
	}
}

// The last batch before the first uncleanable offset stays, emptied, when
// all its records go, so the cleaned part keeps its offsets up to there
// (Kafka's cleaner retains it); a group emptied elsewhere leaves an empty
// segment whose age for retention.ms is its old segments' newest
// timestamp, and the next cleaning joins it to its neighbour.
func TestCleanKeepsLastBatchAndRegroupsEmptySegments(t *testing.T) {
	l, err := Open(MemoryDir(), cleanerConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	appendKeyed(t, l, 1000, [2]string{"a", "1"})
	appendKeyed(t, l, 1500, [2]string{"b", "1"})
	appendKeyed(t, l, 2000, [2]string{"a", "2"}, [2]string{"b", "2"})
	// Two keyless records, which the cleaner drops, before the active
	// segment.
	for i := 0; i < 2; i++ {
		b, err := record.Build(record.BatchOptions{}, []record.Record{{Timestamp: 3000, Value: []byte("x")}})
		if err != nil {
			t.Fatal(err)
		}
		record.SetBaseOffset(b, l.LogEndOffset())
		h, _ := record.Check(b)
		if err := l.Append(b, h, 3000); err != nil {
			t.Fatal(err)
		}
	}
	appendKeyed(t, l, 4000, [2]string{"c", "1"})
	if _, err := l.Clean(CleanOptions{NowMs: 5000, Bound: l.LogEndOffset()}); err != nil {
		t.Fatal(err)
	}
	segs, _ := l.Segments()
	if len(segs) != 4 || segs[0].Size != 0 || segs[2].BaseOffset != 4 || segs[2].Batches != 1 || segs[2].Records != 0 || segs[2].NextOffset != 6 {
		t.Fatalf("segments after cleaning %+v: want the first empty and the keyless one keeping an empty last batch ending at 6", segs)
	}
	if got := l.segments[0].largestTimestamp(); got != 1500 {
		t.Fatalf("the emptied segment's largest timestamp is %d, want 1500, its records' newest", got)
	}
	if got, want := fmt.Sprint(dump(t, l)), "[2:a=2 3:b=2 6:c=1]"; got != want {
		t.Fatalf("log %s, want %s", got, want)
	}
	appendKeyed(t, l, 5000, [2]string{"c", "2"})
	if _, err := l.Clean(CleanOptions{NowMs: 6000, Bound: l.LogEndOffset()}); err != nil {
		t.Fatal(err)
	}
	if segs, _ = l.Segments(); segs[0].Size == 0 {
		t.Fatalf("segments after the next cleaning %+v: the empty one was not joined", segs)
	}
}

// A producer's last data batch stays, emptied, when its records go, so
// that its sequence survives (Kafka's lastRecordsOfActiveProducers); a
// producer the owner no longer keeps (expired) loses it.
func TestCleanKeepsLastBatchOfActiveProducers(t *testing.T) {
	for name, producers := range map[string]map[int64]ProducerLast{
		"read from the log": nil,
		"active":            {5: {LastDataOffset: 0, Epoch: 0}},
		"expired":           {},
	} {
		t.Run(name, func(t *testing.T) {
			l, err := Open(MemoryDir(), cleanerConfig(), OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			b, err := record.Build(record.BatchOptions{HasProducer: true, ProducerID: 5}, []record.Record{{Timestamp: 1000, Key: []byte("a"), Value: []byte("1")}})
			if err != nil {
				t.Fatal(err)
			}
			h, _ := record.Check(b)
			if err := l.Append(b, h, 1000); err != nil {
				t.Fatal(err)
			}
			appendKeyed(t, l, 1000, [2]string{"a", "2"}, [2]string{"b", "1"}, [2]string{"b", "2"})
			if _, err := l.Clean(CleanOptions{NowMs: 2000, Bound: l.LogEndOffset(), Producers: producers}); err != nil {
				t.Fatal(err)
			}
			kept := false
			l.Batches(0, func(_ []byte, h record.Header) (bool, error) {
				kept = kept || (h.ProducerID == 5 && h.NumRecords == 0)
				return true, nil
			})
			if want := name != "expired"; kept != want {
				t.Fatalf("producer 5's emptied last batch kept: %v, want %v", kept, want)
			}
			// Once the producer has a later batch, the emptied one goes.
			b, err = record.Build(record.BatchOptions{HasProducer: true, ProducerID: 5, BaseSequence: 1}, []record.Record{{Timestamp: 1000, Key: []byte("c"), Value: []byte("1")}})
			if err != nil {
				t.Fatal(err)
			}
			record.SetBaseOffset(b, l.LogEndOffset())
			h, _ = record.Check(b)
			last := h.LastOffset()
			if err := l.Append(b, h, 1000); err != nil {
				t.Fatal(err)
			}
			appendKeyed(t, l, 1000, [2]string{"d", "1"})
			if producers != nil {
				producers = map[int64]ProducerLast{5: {LastDataOffset: last}}
			}
			if _, err := l.Clean(CleanOptions{NowMs: 2000, Bound: l.LogEndOffset(), Producers: producers}); err != nil {
				t.Fatal(err)
			}
			l.Batches(0, func(_ []byte, h record.Header) (bool, error) {
				if h.ProducerID == 5 && h.NumRecords == 0 {
					t.Fatalf("producer 5's emptied batch at %d stays after its later batch at %d", h.BaseOffset, last)
				}
				return true, nil
			})
		})
	}
}

// An aborted transaction whose marker the cleaning keeps (it still met
// the transaction's data) is in the cleaned segment's .txnindex, swapped
// in with it; one whose data and marker are gone is in no index.
func TestCleanWritesTxnIndexOfCleanedSegment(t *testing.T) {
	cfg := cleanerConfig()
	cfg.SegmentBytes = 1 << 20
	d := MemoryDir()
	l, err := Open(d, cfg, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	appendTxnData(t, l, 1000, 1, 0, "a", "x") // 0
	appendMarker(t, l, 1000, 1, false)        // 1
	appendKeyed(t, l, 1000, [2]string{"b", "1"})
	if err := l.Roll(1000); err != nil {
		t.Fatal(err)
	}
	aborted := AbortedTxn{ProducerID: 1, FirstOffset: 0, LastOffset: 1, LastStableOffset: 2}
	if err := l.AppendAbortedTxn(aborted); err != nil {
		t.Fatal(err)
	}
	res, err := l.Clean(CleanOptions{NowMs: 2000, DeleteRetentionMs: 1000, Bound: l.LogEndOffset(), AbortedTxns: []AbortedTxn{aborted},
		Producers: map[int64]ProducerLast{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.KeptAbortedTxns) != 1 || res.KeptAbortedTxns[0] != aborted {
		t.Fatalf("kept aborted transactions %+v, want %+v", res.KeptAbortedTxns, aborted)
	}
	f, err := d.Open(FileName(0, TxnIndexSuffix))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadFull(f, 0, int(f.Size()))
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeTxnIndex(b); err != nil || len(got) != 1 || got[0] != aborted {
		t.Fatalf("cleaned segment's transaction index %+v, %v", got, err)
	}
	// The next cleaning meets no data of it: the entry goes, and the
	// marker after delete.retention.ms.
	appendKeyed(t, l, 2000, [2]string{"b", "2"})
	if err := l.Roll(2000); err != nil {
		t.Fatal(err)
	}
	res, err = l.Clean(CleanOptions{NowMs: 3000, DeleteRetentionMs: 1000, Bound: l.LogEndOffset(), AbortedTxns: []AbortedTxn{aborted},
		Producers: map[int64]ProducerLast{}})
	if err != nil || len(res.KeptAbortedTxns) != 0 || d.Exists(FileName(0, TxnIndexSuffix)) {
		t.Fatalf("second cleaning %+v, %v; index file there: %v", res, err, d.Exists(FileName(0, TxnIndexSuffix)))
	}
}

// One cleaning of a log at a time; a canceled one replaces nothing,
// leaves no files behind, and the log can be cleaned again.
func TestCleaningCancel(t *testing.T) {
	d := MemoryDir()
	l, err := Open(d, cleanerConfig(), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	appendKeyed(t, l, 1000, [2]string{"a", "1"}, [2]string{"a", "2"}, [2]string{"a", "3"}, [2]string{"a", "4"}, [2]string{"a", "5"})
	o := CleanOptions{NowMs: 2000, Bound: l.LogEndOffset()}
	c, err := l.PrepareClean(o)
	if err != nil || c == nil {
		t.Fatalf("PrepareClean: %v, %v", c, err)
	}
	if _, err := l.PrepareClean(o); err == nil {
		t.Fatal("a second cleaning of the same log was let in")
	}
	before := fmt.Sprint(dump(t, l))
	c.Cancel()
	if res, err := c.Finish(c.Build()); !errors.Is(err, ErrCleaningAborted) || res.Segments != 0 {
		t.Fatalf("canceled cleaning: %+v, %v", res, err)
	}
	names, _ := d.Names()
	for _, n := range names {
		if strings.HasSuffix(n, CleanedSuffix) {
			t.Fatalf("%s left by a canceled cleaning", n)
		}
	}
	if got := fmt.Sprint(dump(t, l)); got != before || l.FirstDirtyOffset() != 0 {
		t.Fatalf("log %s (first dirty %d) after a canceled cleaning, want %s", got, l.FirstDirtyOffset(), before)
	}
	if res, err := l.Clean(o); err != nil || res.Segments == 0 {
		t.Fatalf("cleaning after a canceled one: %+v, %v", res, err)
	}
}
