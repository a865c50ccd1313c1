package record

import (
	"errors"
	"testing"
)

// Every exported function answers bad arguments with an error.
func TestBadArgumentsAreErrors(t *testing.T) {
	short := make([]byte, HeaderSize-1)
	for name, err := range map[string]error{
		"SetBaseOffset":           SetBaseOffset(short, 1),
		"SetPartitionLeaderEpoch": SetPartitionLeaderEpoch(short, 1),
		"SetMaxTimestamp":         SetMaxTimestamp(short, LogAppendTime, 1),
	} {
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s on %d bytes: %v, want ErrCorrupt", name, len(short), err)
		}
	}
	b, _ := Build(BatchOptions{}, []Record{{Value: []byte("v")}})
	if err := SetMaxTimestamp(b, TimestampType(7), 1); err == nil {
		t.Error("SetMaxTimestamp accepted timestamp type 7")
	}
	if _, err := Build(BatchOptions{Compression: 5}, nil); !errors.Is(err, ErrUnsupportedCompression) {
		t.Errorf("Build with codec 5: %v", err)
	}
	if _, err := Decompress(-1, []byte{1}); !errors.Is(err, ErrUnsupportedCompression) {
		t.Errorf("Decompress with codec -1: %v", err)
	}
	for _, in := range [][]byte{nil, {}, short} {
		if _, err := ReadHeader(in); err == nil {
			t.Errorf("ReadHeader of %d bytes: no error", len(in))
		}
		if _, err := Check(in); err == nil {
			t.Errorf("Check of %d bytes: no error", len(in))
		}
		if _, err := Records(in); err == nil {
			t.Errorf("Records of %d bytes: no error", len(in))
		}
		if batches, whole, _ := SplitBatches(in); len(batches) != 0 || whole != 0 {
			t.Errorf("SplitBatches of %d bytes found %d batches", len(in), len(batches))
		}
	}
}
