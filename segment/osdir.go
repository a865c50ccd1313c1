package segment

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// OSDir returns the directory at path on disk, creating it if needed.
func OSDir(path string) (Dir, error) {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return nil, err
	}
	return osDir(path), nil
}

type osDir string

func (d osDir) join(name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	return filepath.Join(string(d), name), nil
}

func (d osDir) Open(name string) (File, error) {
	p, err := d.join(name)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &osFile{f: f, size: st.Size()}, nil
}

func (d osDir) Exists(name string) bool {
	p, err := d.join(name)
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

func (d osDir) Remove(name string) error {
	p, err := d.join(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

func (d osDir) Rename(from, to string) error {
	pf, err := d.join(from)
	if err != nil {
		return err
	}
	pt, err := d.join(to)
	if err != nil {
		return err
	}
	return os.Rename(pf, pt)
}

func (d osDir) list(dirs bool) ([]string, error) {
	entries, err := os.ReadDir(string(d))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() == dirs {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

func (d osDir) Names() ([]string, error)   { return d.list(false) }
func (d osDir) Subdirs() ([]string, error) { return d.list(true) }

func (d osDir) Sub(name string) (Dir, error) {
	p, err := d.join(name)
	if err != nil {
		return nil, err
	}
	return OSDir(p)
}

func (d osDir) RemoveSub(name string) error {
	p, err := d.join(name)
	if err != nil {
		return err
	}
	return os.RemoveAll(p)
}

func (d osDir) Path() string { return string(d) }

type osFile struct {
	mu   sync.Mutex // guards size against concurrent Append and Truncate
	f    *os.File
	size int64
}

func (f *osFile) ReadAt(p []byte, off int64) (int, error) { return f.f.ReadAt(p, off) }

func (f *osFile) Append(p []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.f.WriteAt(p, f.size)
	f.size += int64(n)
	return err
}

func (f *osFile) Size() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.size
}

func (f *osFile) Truncate(size int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if size < 0 || size > f.size {
		return fmt.Errorf("truncate %s to %d: file has %d bytes", f.f.Name(), size, f.size)
	}
	if err := f.f.Truncate(size); err != nil {
		return err
	}
	f.size = size
	return nil
}

func (f *osFile) Sync() error  { return f.f.Sync() }
func (f *osFile) Close() error { return f.f.Close() }
