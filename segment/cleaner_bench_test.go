package segment

import (
	"fmt"
	"testing"

	"github.com/gregorkafka/gregor/record"
)

// benchLog fills a memory log with n batches of 10 records of 100-byte
// values over keys keys, rolling every 1 MiB, and a last record that
// starts the active segment.
func benchLog(b *testing.B, dir Dir, n, keys int) *Log {
	b.Helper()
	cfg := DefaultConfig()
	cfg.SegmentBytes = 1 << 20
	l, err := Open(dir, cfg, OpenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	value := make([]byte, 100)
	k := 0
	for i := 0; i < n; i++ {
		recs := make([]record.Record, 10)
		for j := range recs {
			recs[j] = record.Record{Timestamp: 1000, Key: []byte(fmt.Sprintf("key-%07d", k%keys)), Value: value}
			k++
		}
		batch, err := record.Build(record.BatchOptions{}, recs)
		if err != nil {
			b.Fatal(err)
		}
		record.SetBaseOffset(batch, l.LogEndOffset())
		h, _ := record.Check(batch)
		if err := l.Append(batch, h, 1000); err != nil {
			b.Fatal(err)
		}
	}
	if err := l.Roll(1000); err != nil {
		b.Fatal(err)
	}
	return l
}

// BenchmarkCleanerThroughput cleans a 32 MiB log in which 10% of the keys
// are live (each key written ten times), reporting MB/s of log cleaned.
func BenchmarkCleanerThroughput(b *testing.B) {
	const batches = 24000 // 240,000 records, about 32 MiB
	var size int64
	for b.Loop() {
		b.StopTimer()
		l := benchLog(b, MemoryDir(), batches, batches*10/10)
		size = l.Size()
		b.StartTimer()
		res, err := l.Clean(CleanOptions{NowMs: 2000, Bound: l.LogEndOffset()})
		if err != nil {
			b.Fatal(err)
		}
		if res.RecordsRemoved < batches*9 {
			b.Fatalf("removed %d records", res.RecordsRemoved)
		}
		b.StopTimer()
		l.Close()
		b.StartTimer()
	}
	b.SetBytes(size)
}

// BenchmarkRetentionCheck10000Segments is one retention check over a log
// of 10,000 closed segments of which none is due.
func BenchmarkRetentionCheck10000Segments(b *testing.B) {
	cfg := DefaultConfig()
	cfg.SegmentBytes = 1 << 20
	l, err := Open(MemoryDir(), cfg, OpenOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	batch, _ := record.Build(record.BatchOptions{}, []record.Record{{Timestamp: 1000, Value: []byte("v")}})
	for i := 0; i < 10000; i++ {
		record.SetBaseOffset(batch, l.LogEndOffset())
		h, _ := record.Check(batch)
		if err := l.Append(batch, h, 1000); err != nil {
			b.Fatal(err)
		}
		if err := l.Roll(1000); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if n, _ := l.RetentionDue(Retention{Ms: 1 << 40, Bytes: 1 << 40}, 2000, l.LogEndOffset()); n != 0 {
			b.Fatalf("%d due", n)
		}
	}
}

// BenchmarkAppend appends 1 KiB batches to a log in memory and in files.
func BenchmarkAppend(b *testing.B) {
	for _, backend := range []string{"memory", "files"} {
		b.Run(backend, func(b *testing.B) {
			dir := MemoryDir()
			if backend == "files" {
				var err error
				if dir, err = OSDir(b.TempDir()); err != nil {
					b.Fatal(err)
				}
			}
			l, err := Open(dir, DefaultConfig(), OpenOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			batch, _ := record.Build(record.BatchOptions{}, []record.Record{{Timestamp: 1000, Value: make([]byte, 1024)}})
			b.SetBytes(int64(len(batch)))
			for b.Loop() {
				record.SetBaseOffset(batch, l.LogEndOffset())
				h, _ := record.Check(batch)
				if err := l.Append(batch, h, 1000); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
