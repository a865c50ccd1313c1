package segment

import (
	"bytes"
	"testing"
)

// Appends of batches as big as kgo's (up to a MiB) fill every chunk to
// its capacity, a batch running on into the next chunk, so only the last
// chunk has room to spare; every batch still reads back whole.
func TestMemFileChunksHaveNoGaps(t *testing.T) {
	f, _ := MemoryDir().Open("00000000000000000000.log")
	var batches [][]byte
	var size int
	for i := 0; size < 40<<20; i++ {
		p := pattern(byte(i), 700_000+i*1000)
		if err := f.Append(p); err != nil {
			t.Fatal(err)
		}
		batches = append(batches, p)
		size += len(p)
	}
	chunks := f.(*memFile).data.chunks
	var capacity int
	for i, c := range chunks {
		if i < len(chunks)-1 && len(c.b) != cap(c.b) {
			t.Fatalf("chunk %d of %d holds %d bytes of %d: its tail is lost", i, len(chunks), len(c.b), cap(c.b))
		}
		capacity += cap(c.b)
	}
	if spare := capacity - size; spare > size/8 {
		t.Fatalf("%d bytes of spare capacity for a file of %d", spare, size)
	}
	pos := 0
	for i, p := range batches {
		got, err := ReadFull(f, int64(pos), len(p))
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("batch %d at %d read back as other bytes (%v)", i, pos, err)
		}
		pos += len(p)
	}
}
