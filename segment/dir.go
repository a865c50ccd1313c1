package segment

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Dir is a directory of log files: a data directory, or one partition's
// directory inside it. Names are plain file names, never paths.
type Dir interface {
	// Open opens the named file, creating it empty if it does not exist.
	Open(name string) (File, error)
	// Exists reports whether the named file exists.
	Exists(name string) bool
	// Remove deletes the named file; removing a missing file is not an
	// error.
	Remove(name string) error
	// Rename renames a file, replacing any file already at the new name.
	Rename(from, to string) error
	// Names lists the files in the directory, sorted.
	Names() ([]string, error)
	// Sub opens (creating if needed) a child directory.
	Sub(name string) (Dir, error)
	// Subdirs lists the child directories, sorted.
	Subdirs() ([]string, error)
	// RemoveSub deletes a child directory and everything in it.
	RemoveSub(name string) error
	// Path is the directory's location on disk, or "" in memory.
	Path() string
}

// File is one log or index file. Writes only ever append or cut the end,
// which is all a Kafka log needs.
type File interface {
	io.ReaderAt
	// Append writes p at the end of the file.
	Append(p []byte) error
	// Size is the file's length in bytes.
	Size() int64
	// Truncate cuts the file to size bytes (size must not exceed Size).
	Truncate(size int64) error
	// Sync makes the written bytes durable.
	Sync() error
	// Close releases the file. The bytes stay in the Dir.
	Close() error
}

// slicer is implemented by files that can lend their bytes without
// copying (memory files). The returned slice must not be modified.
type slicer interface {
	slice(off int64, n int) ([]byte, error)
}

// sharer is implemented by files that can keep appended bytes as they
// are instead of copying them (memory files). Only bytes that nobody will
// ever modify may be shared: a memory file's lent bytes qualify.
type sharer interface {
	appendShared(p []byte) error
}

// lendCounter is implemented by files that lend their bytes in runs
// (memory files): lendableTo returns the end of the run holding off, the
// furthest a read from off can be lent without a copy.
type lendCounter interface {
	lendableTo(off int64) int64
}

// ReadFull returns n bytes of f starting at off, without copying when the
// file allows it.
func ReadFull(f File, off int64, n int) ([]byte, error) {
	if f == nil {
		return nil, errors.New("ReadFull: nil file")
	}
	if off < 0 || n < 0 {
		return nil, fmt.Errorf("ReadFull: %d bytes at %d", n, off)
	}
	if s, ok := f.(slicer); ok {
		return s.slice(off, n)
	}
	b := make([]byte, n)
	if _, err := f.ReadAt(b, off); err != nil && !(errors.Is(err, io.EOF) && n == 0) {
		return nil, err
	}
	return b, nil
}

// WriteFileAtomic replaces the named file with data, writing a temporary
// file and renaming it over the old one as Kafka does for its checkpoint
// files, so a crash leaves either the old or the new content.
func WriteFileAtomic(d Dir, name string, data []byte) error {
	if d == nil {
		return errors.New("WriteFileAtomic: nil directory")
	}
	tmp := name + ".tmp"
	f, err := d.Open(tmp)
	if err != nil {
		return err
	}
	err = f.Truncate(0)
	if err == nil {
		err = f.Append(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return d.Rename(tmp, name)
}

// ReadFile returns the whole named file, or an error wrapping
// io/fs.ErrNotExist if it does not exist.
func ReadFile(d Dir, name string) ([]byte, error) {
	if d == nil {
		return nil, errors.New("ReadFile: nil directory")
	}
	if !d.Exists(name) {
		return nil, errNotExist(name)
	}
	f, err := d.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, f.Size())
	if _, err := f.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b, nil
}

// checkName refuses what is not a plain file name, so that both Dir
// implementations accept the same names.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`+"\x00") {
		return fmt.Errorf("invalid file name %q", name)
	}
	return nil
}
