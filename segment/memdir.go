package segment

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"
	"sync"
)

// MemoryDir returns an empty in-memory directory tree. It holds the same
// bytes a data directory would, so everything above it behaves alike.
func MemoryDir() Dir { return &memDir{} }

type memDir struct {
	mu    sync.Mutex
	files map[string]*memData
	dirs  map[string]*memDir
}

func errNotExist(name string) error { return fmt.Errorf("%s: %w", name, fs.ErrNotExist) }

func (d *memDir) Open(name string) (File, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.files == nil {
		d.files = make(map[string]*memData)
	}
	data, ok := d.files[name]
	if !ok {
		data = &memData{}
		d.files[name] = data
	}
	return &memFile{data: data}, nil
}

func (d *memDir) Exists(name string) bool {
	if checkName(name) != nil {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.files[name]
	return ok
}

func (d *memDir) Remove(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.files, name)
	return nil
}

func (d *memDir) Rename(from, to string) error {
	if err := errors.Join(checkName(from), checkName(to)); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	data, ok := d.files[from]
	if !ok {
		return errNotExist(from)
	}
	delete(d.files, from)
	d.files[to] = data
	return nil
}

func (d *memDir) Names() ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	names := make([]string, 0, len(d.files))
	for n := range d.files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

func (d *memDir) Sub(name string) (Dir, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.dirs == nil {
		d.dirs = make(map[string]*memDir)
	}
	sub, ok := d.dirs[name]
	if !ok {
		sub = &memDir{}
		d.dirs[name] = sub
	}
	return sub, nil
}

func (d *memDir) Subdirs() ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	names := make([]string, 0, len(d.dirs))
	for n := range d.dirs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

func (d *memDir) RemoveSub(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.dirs, name)
	return nil
}

func (d *memDir) Path() string { return "" }

// memData is a file's bytes, kept in chunks so that a growing log is
// never copied as a whole: a file starts as one slice that doubles like
// any Go slice up to memFirstChunkMax, and then further bytes go into new
// chunks, each an eighth of the file's size so far (between
// memMinChunkSize and memMaxChunkSize). Appends fill a chunk to its
// capacity, a batch running on into the next chunk if need be: a chunk's
// unused capacity is heap that holds nothing, and a chunk closed early
// for the next batch would leave it unused for good. So only the last
// chunk has room to spare: on average half a chunk, which past 16 MiB is
// about 6% of the file, and never more than memMaxChunkSize. A batch of
// memOwnChunkMin or more (a producer under load sends batches of up to a
// MiB) gets a chunk of its own, exactly its size, unless the last chunk
// has room for a sixteenth of it or more, which it then fills first,
// the rest going to a chunk of exactly the rest's size: so in a run of
// big batches only the first may be split, and a follower or a consumer
// reading the others is lent each whole. Reads within one chunk are lent without copying; a read across
// two is copied.
//
// Lent slices are capped at their length, and bytes once lent are never
// overwritten: appends only fill a chunk's unused capacity, and a
// truncation that cuts into a chunk copies the kept part into a fresh
// array before anything is appended after it.
type memData struct {
	mu     sync.RWMutex
	chunks []memChunk
	size   int64
}

// memChunk is one run of a file's bytes starting at file offset start.
type memChunk struct {
	start int64
	b     []byte
}

// Chunk sizes. memFirstChunkMax bounds how far a file grows by copying,
// and small files (most test topics) are lent whole. Later chunks of 2
// MiB or more lend most fetches (1 MiB per partition by default) without
// a copy; memMaxChunkSize bounds the unused tail of a large file.
const (
	memOwnChunkMin   = 256 << 10
	memFirstChunkMax = 4 << 20
	memMinChunkSize  = 2 << 20
	memMaxChunkSize  = 4 << 20
)

// nextChunkSize is the capacity of a new chunk for a file of size bytes.
func nextChunkSize(size int64) int {
	return int(min(max(size/8, memMinChunkSize), memMaxChunkSize))
}

type memFile struct{ data *memData }

// chunkAt returns the index of the chunk holding file offset off, which
// must be below the file size.
func (d *memData) chunkAt(off int64) int {
	return sort.Search(len(d.chunks), func(i int) bool { return d.chunks[i].start > off }) - 1
}

// copyOut copies the file bytes at off into p, which must lie within the
// file.
func (d *memData) copyOut(p []byte, off int64) {
	for i := d.chunkAt(off); len(p) > 0; i++ {
		c := d.chunks[i]
		n := copy(p, c.b[off-c.start:])
		p, off = p[n:], off+int64(n)
	}
}

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.data.mu.RLock()
	defer f.data.mu.RUnlock()
	if off < 0 {
		return 0, fmt.Errorf("negative offset %d", off)
	}
	if off >= f.data.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), f.data.size-off))
	f.data.copyOut(p[:n], off)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// slice lends n bytes at off, copying only when they span two chunks.
func (f *memFile) slice(off int64, n int) ([]byte, error) {
	d := f.data
	d.mu.RLock()
	defer d.mu.RUnlock()
	if off < 0 || n < 0 || off+int64(n) > d.size {
		return nil, fmt.Errorf("read of %d bytes at %d beyond file size %d", n, off, d.size)
	}
	if n == 0 {
		return []byte{}, nil
	}
	c := d.chunks[d.chunkAt(off)]
	if rel := off - c.start; rel+int64(n) <= int64(len(c.b)) {
		return c.b[rel : rel+int64(n) : rel+int64(n)], nil
	}
	out := make([]byte, n)
	d.copyOut(out, off)
	return out, nil
}

func (f *memFile) Append(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	d := f.data
	d.mu.Lock()
	defer d.mu.Unlock()
	last := len(d.chunks) - 1
	big := len(p) >= memOwnChunkMin
	if last < 0 {
		d.appendChunk(p, len(p))
		return nil
	}
	c := &d.chunks[last]
	spare := cap(c.b) - len(c.b)
	switch {
	case spare >= len(p):
		c.b = append(c.b, p...)
		d.size += int64(len(p))
	case last == 0 && !big && len(c.b)+len(p) <= memFirstChunkMax:
		// Still one small chunk: grow it by doubling, copying the old
		// bytes into a new array (readers keep the old one).
		grown := make([]byte, len(c.b), min(max(2*cap(c.b), len(c.b)+len(p)), memFirstChunkMax))
		copy(grown, c.b)
		c.b = append(grown, p...)
		d.size += int64(len(p))
	case big && spare < len(p)/16:
		// A chunk of its own, exactly its size; the little room left
		// in the last chunk (under a sixteenth of the batch) stays
		// unused.
		d.appendChunk(p, len(p))
	default:
		// Fill the last chunk and run on into a new one: exactly the
		// rest for a big batch (the next one then gets its own chunk),
		// a chunk sized after the file for a small one.
		c.b = append(c.b, p[:spare]...)
		d.size += int64(spare)
		rest := p[spare:]
		size := len(rest)
		if !big {
			size = max(nextChunkSize(d.size), len(rest))
		}
		d.appendChunk(rest, size)
	}
	return nil
}

// appendChunk adds a chunk of capacity size holding a copy of p.
func (d *memData) appendChunk(p []byte, size int) {
	c := make([]byte, len(p), size)
	copy(c, p)
	d.chunks = append(d.chunks, memChunk{start: d.size, b: c})
	d.size += int64(len(p))
}

// lendableTo returns the end of the chunk holding off.
func (f *memFile) lendableTo(off int64) int64 {
	d := f.data
	d.mu.RLock()
	defer d.mu.RUnlock()
	if off < 0 || off >= d.size {
		return off
	}
	c := d.chunks[d.chunkAt(off)]
	return c.start + int64(len(c.b))
}

// appendShared keeps p itself as the file's next chunk. p must never be
// modified by anyone; its capacity is cut to its length so that a later
// Append cannot write into the array p belongs to.
func (f *memFile) appendShared(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	d := f.data
	d.mu.Lock()
	defer d.mu.Unlock()
	d.chunks = append(d.chunks, memChunk{start: d.size, b: p[:len(p):len(p)]})
	d.size += int64(len(p))
	return nil
}

func (f *memFile) Size() int64 {
	f.data.mu.RLock()
	defer f.data.mu.RUnlock()
	return f.data.size
}

func (f *memFile) Truncate(size int64) error {
	d := f.data
	d.mu.Lock()
	defer d.mu.Unlock()
	if size < 0 || size > d.size {
		return fmt.Errorf("truncate to %d: file has %d bytes", size, d.size)
	}
	if size == d.size {
		return nil
	}
	i := d.chunkAt(size)
	c := d.chunks[i]
	d.chunks = d.chunks[:i]
	if keep := size - c.start; keep > 0 {
		// A fresh array: readers may still hold slices of the old one,
		// and the next append must not overwrite what they read.
		d.chunks = append(d.chunks, memChunk{start: c.start, b: slices.Clone(c.b[:keep])})
	}
	d.size = size
	return nil
}

func (f *memFile) Sync() error  { return nil }
func (f *memFile) Close() error { return nil }
