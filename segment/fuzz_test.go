package segment

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"testing"

	"github.com/gregorkafka/gregor/record"
)

// FuzzSegmentRecovery opens a log whose last segment holds arbitrary
// bytes, as a crash (or a disk) may leave it, with arbitrary index files
// beside it. Open must not panic and must keep exactly the whole, valid
// batches before the first damage (Kafka's LogSegment.recover), and the
// recovered log must read and take appends like any other.
//
//	go test -run='^$' -fuzz=FuzzSegmentRecovery -fuzztime=1m ./segment
func FuzzSegmentRecovery(f *testing.F) {
	kafka, err := os.ReadFile("../record/testdata/kafka-3.x-partition0.log")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(kafka, []byte(nil), []byte(nil), uint8(0))
	f.Add(kafka[:len(kafka)-7], []byte(nil), []byte(nil), uint8(0))
	flipped := bytes.Clone(kafka)
	flipped[len(flipped)-10] ^= 0x40
	f.Add(flipped, []byte(nil), []byte(nil), uint8(1))
	f.Add(kafka, []byte{0, 0, 0, 3, 0, 0, 0, 0xe0}, []byte{0, 0, 1, 0x82, 0x78, 0x97, 0xdf, 0x3e, 0, 0, 0, 5}, uint8(0))
	f.Add(kafka, []byte{0, 0, 0, 9, 0, 1, 0, 0, 0, 0, 0, 1}, []byte{1, 2, 3}, uint8(1))
	f.Add([]byte{}, []byte{0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff}, []byte(nil), uint8(0))
	f.Add(kafka, []byte{0, 0, 0, 1, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0}, []byte{0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 7}, uint8(2))
	// mode 0: the damaged segment is the only one; 1: it follows a good
	// segment; 2: as 1, and the good segment's index files are the
	// fuzzed ones instead.
	f.Fuzz(func(t *testing.T, logBytes, indexBytes, timeIndexBytes []byte, mode uint8) {
		mode %= 3
		// Most inputs get their CRCs fixed, so that the fuzzer explores
		// batches that pass the check but say strange things.
		if len(logBytes) > 0 && logBytes[len(logBytes)-1]&1 == 0 {
			logBytes = fixCRCs(logBytes)
		}
		dir := MemoryDir()
		cfg := DefaultConfig()
		cfg.IndexIntervalBytes = 64
		base := int64(0)
		if mode > 0 {
			// The damaged segment follows a good one.
			l, err := Open(dir, cfg, OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			appendValues(t, l, 1000, "a", "b", "c")
			base = l.LogEndOffset()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			// Rebase the fuzzed batches after the good segment.
			logBytes = rebase(logBytes, base)
		}
		indexBase := base
		if mode == 2 {
			indexBase = 0
		}
		for name, b := range map[string][]byte{
			FileName(base, LogSuffix):            logBytes,
			FileName(indexBase, IndexSuffix):     indexBytes,
			FileName(indexBase, TimeIndexSuffix): timeIndexBytes,
		} {
			fl, _ := dir.Open(name)
			fl.Truncate(0)
			fl.Append(b)
		}
		wantEnd, wantSize := validPrefix(logBytes, base)

		l, err := Open(dir, cfg, OpenOptions{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if l.LogEndOffset() != wantEnd {
			t.Fatalf("log end offset %d after recovery, want %d", l.LogEndOffset(), wantEnd)
		}
		segs, err := l.Segments()
		if err != nil {
			t.Fatalf("Segments: %v", err)
		}
		if last := segs[len(segs)-1]; last.BaseOffset == base && last.Size != wantSize {
			t.Fatalf("recovered segment has %d bytes, want the %d bytes of whole valid batches", last.Size, wantSize)
		}
		if mode > 0 {
			var got []string
			for off := int64(0); off < 3; off++ {
				b, err := l.Read(off, 1, 3, true)
				if err != nil {
					t.Fatalf("Read(%d) in the good segment: %v", off, err)
				}
				recs, err := record.Records(b)
				if err != nil || len(recs) != 1 || recs[0].Offset != off {
					t.Fatalf("Read(%d) in the good segment: %+v %v", off, recs, err)
				}
				got = append(got, string(recs[0].Value))
			}
			if fmt.Sprint(got) != "[a b c]" {
				t.Fatalf("the good segment reads back as %q", got)
			}
			if off, _, found, err := l.OffsetForTimestamp(1001); err != nil || !found || off != 1 {
				t.Fatalf("timestamp 1001 in the good segment: offset %d found %v err %v", off, found, err)
			}
		}
		// Every batch reads (from its first and its last offset), and
		// the log takes a new batch.
		err = l.Batches(l.LogStartOffset(), func(_ []byte, h record.Header) (bool, error) {
			for _, off := range []int64{h.BaseOffset, h.LastOffset()} {
				b, err := l.Read(off, 1, l.LogEndOffset(), true)
				if err != nil {
					return false, fmt.Errorf("Read(%d): %v", off, err)
				}
				if got, err := record.ReadHeader(b); err != nil || got.BaseOffset != h.BaseOffset {
					return false, fmt.Errorf("Read(%d) returned the batch at %d (%v), want %d", off, got.BaseOffset, err, h.BaseOffset)
				}
			}
			return true, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// Recovery checks what Kafka's does (sizes, CRC, offsets), not
		// every record: a batch whose CRC matches garbage records fails
		// when decoded, with an error.
		if _, _, _, err := l.OffsetForTimestamp(0); err != nil && !errors.Is(err, record.ErrCorrupt) && !errors.Is(err, record.ErrUnsupportedCompression) {
			t.Fatalf("OffsetForTimestamp: %v", err)
		}
		end := l.LogEndOffset()
		appendValues(t, l, 5000, "new")
		got, err := l.Read(end, 1<<20, end+1, true)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := record.Records(got)
		if err != nil || len(recs) != 1 || string(recs[0].Value) != "new" || recs[0].Offset != end {
			t.Fatalf("appending after recovery: %+v %v", recs, err)
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		// A second open finds the same log.
		l, err = Open(dir, cfg, OpenOptions{})
		if err != nil || l.LogEndOffset() != end+1 {
			t.Fatalf("reopen: end %d, %v", l.LogEndOffset(), err)
		}
	})
}

// validPrefix is how far a log file is made of whole batches that pass
// their CRC check and never go back in offsets, starting at base: the
// part recovery keeps. It returns the next offset and the byte length.
func validPrefix(b []byte, base int64) (next int64, size int64) {
	next = base
	batches, _, _ := record.SplitBatches(b)
	for _, batch := range batches {
		h, err := record.Check(batch)
		if err != nil || h.BaseOffset < next || h.LastOffsetDelta < 0 || h.LastOffset() < base || h.LastOffset()-base > 1<<31-1 {
			break
		}
		next = h.NextOffset()
		size += int64(len(batch))
	}
	return next, size
}

// fixCRCs rewrites the CRC of every whole batch in b.
func fixCRCs(b []byte) []byte {
	b = bytes.Clone(b)
	batches, _, _ := record.SplitBatches(b)
	for _, batch := range batches {
		if len(batch) >= record.HeaderSize {
			binary.BigEndian.PutUint32(batch[17:], crc32.Checksum(batch[21:], crc32.MakeTable(crc32.Castagnoli)))
		}
	}
	return b
}

// rebase moves the base offsets of the batches in b by delta, as a
// segment that starts later would carry them. The field is outside the
// CRC.
func rebase(b []byte, delta int64) []byte {
	b = bytes.Clone(b)
	batches, _, _ := record.SplitBatches(b)
	for _, batch := range batches {
		h, err := record.ReadHeader(batch)
		if err == nil {
			record.SetBaseOffset(batch, h.BaseOffset+delta)
		}
	}
	return b
}
