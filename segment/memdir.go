package segment

import (
	"fmt"
	"io"
	"io/fs"
	"slices"
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
	d.mu.Lock()
	defer d.mu.Unlock()
	_, ok := d.files[name]
	return ok
}

func (d *memDir) Remove(name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.files, name)
	return nil
}

func (d *memDir) Rename(from, to string) error {
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
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.dirs, name)
	return nil
}

func (d *memDir) Path() string { return "" }

// memData is a file's bytes. Appends never overwrite bytes that a reader
// may hold (a truncation starts a fresh array), so reads can lend slices
// without copying.
type memData struct {
	mu sync.RWMutex
	b  []byte
}

type memFile struct{ data *memData }

func (f *memFile) ReadAt(p []byte, off int64) (int, error) {
	f.data.mu.RLock()
	defer f.data.mu.RUnlock()
	if off < 0 {
		return 0, fmt.Errorf("negative offset %d", off)
	}
	if off >= int64(len(f.data.b)) {
		return 0, io.EOF
	}
	n := copy(p, f.data.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *memFile) slice(off int64, n int) ([]byte, error) {
	f.data.mu.RLock()
	defer f.data.mu.RUnlock()
	if off < 0 || n < 0 || off+int64(n) > int64(len(f.data.b)) {
		return nil, fmt.Errorf("read of %d bytes at %d beyond file size %d", n, off, len(f.data.b))
	}
	return f.data.b[off : off+int64(n) : off+int64(n)], nil
}

func (f *memFile) Append(p []byte) error {
	f.data.mu.Lock()
	defer f.data.mu.Unlock()
	f.data.b = append(f.data.b, p...)
	return nil
}

func (f *memFile) Size() int64 {
	f.data.mu.RLock()
	defer f.data.mu.RUnlock()
	return int64(len(f.data.b))
}

func (f *memFile) Truncate(size int64) error {
	f.data.mu.Lock()
	defer f.data.mu.Unlock()
	if size < 0 || size > int64(len(f.data.b)) {
		return fmt.Errorf("truncate to %d: file has %d bytes", size, len(f.data.b))
	}
	if size < int64(len(f.data.b)) {
		// A fresh array: readers may still hold slices of the old one,
		// and the next append must not overwrite what they read.
		f.data.b = slices.Clone(f.data.b[:size])
	}
	return nil
}

func (f *memFile) Sync() error  { return nil }
func (f *memFile) Close() error { return nil }
