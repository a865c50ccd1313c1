package segment

import (
	"bytes"
	"testing"
)

// Appends fill every chunk, a small batch running on into the next chunk
// and a big one (kgo's under load, up to a MiB) taking a chunk of its own
// when the last has little room, so only the last chunk has much room to
// spare; every batch reads back whole, and of a run of big ones at most the
// first is split.
func TestMemFileChunksHaveNoGaps(t *testing.T) {
	f, _ := MemoryDir().Open("00000000000000000000.log")
	var batches [][]byte
	var size int
	for i := 0; size < 40<<20; i++ {
		n := 100_000 + i*100
		if i%10 >= 3 {
			n = 700_000 + i*1000
		}
		p := pattern(byte(i), n)
		if err := f.Append(p); err != nil {
			t.Fatal(err)
		}
		batches = append(batches, p)
		size += len(p)
	}
	chunks := f.(*memFile).data.chunks
	var capacity int
	for i, c := range chunks {
		if i < len(chunks)-1 && cap(c.b)-len(c.b) > len(c.b)/16 {
			t.Fatalf("chunk %d of %d holds %d bytes of %d: its tail is lost", i, len(chunks), len(c.b), cap(c.b))
		}
		capacity += cap(c.b)
	}
	if spare := capacity - size; spare > size/8 {
		t.Fatalf("%d bytes of spare capacity for a file of %d", spare, size)
	}
	pos, splitInRun := 0, 0
	for i, p := range batches {
		got, err := ReadFull(f, int64(pos), len(p))
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("batch %d at %d read back as other bytes (%v)", i, pos, err)
		}
		if len(p) < memOwnChunkMin {
			splitInRun = 0
		} else if f.(*memFile).lendableTo(int64(pos)) < int64(pos+len(p)) {
			if splitInRun++; splitInRun > 1 {
				t.Fatalf("big batch %d at %d is the second of its run split over two chunks", i, pos)
			}
		}
		pos += len(p)
	}
}
