package segment

import (
	"bytes"
	"io"
	"testing"
)

// pattern is n bytes that differ from their neighbours, seeded by s.
func pattern(s byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = s + byte(i*7)
	}
	return b
}

// A memory file past memMaxChunkSize keeps its bytes in several chunks; reads
// that fall inside one are lent, reads across two are copied, and every
// read sees the bytes appended.
func TestMemFileAcrossChunks(t *testing.T) {
	f, _ := MemoryDir().Open("00000000000000000000.log")
	var want []byte
	for i := 0; len(want) < 2*memMaxChunkSize+memMaxChunkSize/2; i++ {
		p := pattern(byte(i), 100_000+i)
		if err := f.Append(p); err != nil {
			t.Fatal(err)
		}
		want = append(want, p...)
	}
	if got := f.Size(); got != int64(len(want)) {
		t.Fatalf("size %d, want %d", got, len(want))
	}
	if n := len(f.(*memFile).data.chunks); n < 3 {
		t.Fatalf("%d chunks for %d bytes, want at least 3", n, len(want))
	}
	for _, r := range []struct{ off, n int }{
		{0, 10}, {memMaxChunkSize - 5, 10}, {memMaxChunkSize - 5, memMaxChunkSize + 10},
		{len(want) - 1, 1}, {0, len(want)}, {12345, 0},
	} {
		got, err := ReadFull(f, int64(r.off), r.n)
		if err != nil {
			t.Fatalf("ReadFull(%d, %d): %v", r.off, r.n, err)
		}
		if !bytes.Equal(got, want[r.off:r.off+r.n]) {
			t.Fatalf("ReadFull(%d, %d) returned other bytes", r.off, r.n)
		}
		buf := make([]byte, r.n)
		if n, err := f.ReadAt(buf, int64(r.off)); n != r.n || (err != nil && err != io.EOF) || !bytes.Equal(buf, want[r.off:r.off+r.n]) {
			t.Fatalf("ReadAt(%d, %d) = %d, %v", r.off, r.n, n, err)
		}
	}
	if _, err := ReadFull(f, int64(len(want)-1), 2); err == nil {
		t.Fatal("a read past the end succeeded")
	}
	buf := make([]byte, 10)
	if n, err := f.ReadAt(buf, int64(len(want)-4)); n != 4 || err != io.EOF {
		t.Fatalf("short ReadAt at the end = %d, %v; want 4, EOF", n, err)
	}
	cut := memMaxChunkSize + 50
	if err := f.Truncate(int64(cut)); err != nil {
		t.Fatal(err)
	}
	tail := pattern(42, 3000)
	f.Append(tail)
	want = append(want[:cut:cut], tail...)
	if got, _ := ReadFull(f, 0, len(want)); !bytes.Equal(got, want) {
		t.Fatal("after truncating into the second chunk and appending, the file holds other bytes")
	}
}

// Bytes lent by a read stay as they were after the file is truncated
// below them and appended to again.
func TestMemFileTruncateKeepsLentBytes(t *testing.T) {
	f, _ := MemoryDir().Open("x.log")
	first, second := pattern(1, 1000), pattern(2, 1000)
	f.Append(first)
	f.Append(second)
	lent, err := ReadFull(f, 500, 1000)
	if err != nil {
		t.Fatal(err)
	}
	before := bytes.Clone(lent)
	if err := f.Truncate(700); err != nil {
		t.Fatal(err)
	}
	f.Append(pattern(9, 5000))
	if !bytes.Equal(lent, before) {
		t.Fatal("truncate and append changed bytes a reader holds")
	}
	got, _ := ReadFull(f, 0, 700)
	if !bytes.Equal(got, first[:700]) {
		t.Fatal("truncated file lost its first bytes")
	}
	if err := f.Truncate(0); err != nil || f.Size() != 0 {
		t.Fatalf("truncate to 0: %v, size %d", err, f.Size())
	}
	f.Append([]byte("again"))
	if got, _ := ReadFull(f, 0, 5); string(got) != "again" {
		t.Fatalf("after truncate to 0 read %q", got)
	}
}
