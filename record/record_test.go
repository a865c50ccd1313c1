package record

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"testing"
)

// The textbook's segment files were written by a real Kafka 3.x broker.
// Reading them back and re-encoding the same records must give the same
// bytes: that is the proof that gregor writes Kafka's format.
func TestTextbookSegmentRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		file   string
		values []string
	}{
		{"testdata/kafka-3.x-partition0.log", []string{"hihi", "hihi", "hihi", "twenty one ~~", "End", "ㅗHihihi"}},
		{"testdata/kafka-3.x-partition1.log", []string{"First message", "yeyeye", "And new start", "Hi guys"}},
	} {
		raw, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		batches, whole, err := SplitBatches(raw)
		if err != nil || whole != len(raw) {
			t.Fatalf("%s: split: whole %d of %d, err %v", tc.file, whole, len(raw), err)
		}
		if len(batches) != len(tc.values) {
			t.Fatalf("%s: %d batches, want %d", tc.file, len(batches), len(tc.values))
		}
		for i, b := range batches {
			h, err := Check(b)
			if err != nil {
				t.Fatalf("%s batch %d: %v", tc.file, i, err)
			}
			if h.BaseOffset != int64(i) || h.HasProducerID() || h.Compression() != None {
				t.Fatalf("%s batch %d: unexpected header %+v", tc.file, i, h)
			}
			recs, err := Records(b)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 || string(recs[0].Value) != tc.values[i] || recs[0].Key != nil {
				t.Fatalf("%s batch %d: records %+v", tc.file, i, recs)
			}
			rebuilt, err := Build(BatchOptions{BaseOffset: h.BaseOffset, PartitionLeaderEpoch: h.PartitionLeaderEpoch}, recs)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rebuilt, b) {
				t.Fatalf("%s batch %d: rebuilt bytes differ\n got %x\nwant %x", tc.file, i, rebuilt, b)
			}
		}
	}
}

func TestCompressionRoundTrip(t *testing.T) {
	recs := []Record{
		{Timestamp: 1000, Key: []byte("k1"), Value: []byte("hello kafka")},
		{Timestamp: 1005, Key: nil, Value: bytes.Repeat([]byte("x"), 5000), Headers: []RecordHeader{{Key: "h", Value: []byte("v")}}},
		{Timestamp: 999, Key: []byte("k3"), Value: nil},
	}
	for c := None; c <= Zstd; c++ {
		b, err := Build(BatchOptions{Compression: c, BaseOffset: 42}, recs)
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		h, err := Check(b)
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		if h.Compression() != c || h.NumRecords != 3 || h.LastOffset() != 44 || h.MaxTimestamp != 1005 {
			t.Fatalf("%v: header %+v", c, h)
		}
		got, err := Records(b)
		if err != nil {
			t.Fatalf("%v: %v", c, err)
		}
		for i := range recs {
			if got[i].Offset != int64(42+i) || got[i].Timestamp != recs[i].Timestamp ||
				!bytes.Equal(got[i].Key, recs[i].Key) || (got[i].Key == nil) != (recs[i].Key == nil) ||
				!bytes.Equal(got[i].Value, recs[i].Value) || (got[i].Value == nil) != (recs[i].Value == nil) {
				t.Fatalf("%v record %d: got %+v", c, i, got[i])
			}
		}
		if len(got[1].Headers) != 1 || got[1].Headers[0].Key != "h" {
			t.Fatalf("%v: headers %+v", c, got[1].Headers)
		}
	}
}

func TestCheckRejectsBrokenBytes(t *testing.T) {
	b, _ := Build(BatchOptions{}, []Record{{Value: []byte("v")}})
	flipped := bytes.Clone(b)
	flipped[len(flipped)-1] ^= 0xff
	if _, err := Check(flipped); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("flipped byte: %v", err)
	}
	if _, err := Check(b[:len(b)-1]); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("short batch: %v", err)
	}
	old := bytes.Clone(b)
	old[posMagic] = 1
	if _, err := Check(old); !errors.Is(err, ErrUnsupportedMagic) {
		t.Fatalf("magic 1: %v", err)
	}
	// Stamping the fields outside the CRC keeps the batch valid.
	SetBaseOffset(b, 77)
	SetPartitionLeaderEpoch(b, 5)
	if h, err := Check(b); err != nil || h.BaseOffset != 77 || h.PartitionLeaderEpoch != 5 {
		t.Fatalf("after stamping: %+v %v", h, err)
	}
	SetMaxTimestamp(b, LogAppendTime, 12345)
	if h, err := Check(b); err != nil || h.TimestampType() != LogAppendTime || h.MaxTimestamp != 12345 {
		t.Fatalf("after LogAppendTime: %+v %v", h, err)
	}
}

// A batch whose length field is smaller than the header itself is
// corrupt, not a reason to slice out of range.
func TestRecordsShortLength(t *testing.T) {
	b, err := Build(BatchOptions{}, []Record{{Value: []byte("v")}})
	if err != nil {
		t.Fatal(err)
	}
	binary.BigEndian.PutUint32(b[posLength:], 20)
	if _, err := Records(b); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Records of a batch of length 20: %v, want ErrCorrupt", err)
	}
	if err := Each(b, func(int, Record) error { return nil }); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Each of a batch of length 20: %v, want ErrCorrupt", err)
	}
}
