package segment

// suffixDir is a view of a directory in which every file name carries an
// extra suffix: the log cleaner writes a segment as <base>.log.cleaned
// (with its indexes) through one, with the same code that writes live
// segments, and recovery reads a .swap segment the same way.
type suffixDir struct {
	Dir
	extra string
}

func (d suffixDir) Open(name string) (File, error) { return d.Dir.Open(name + d.extra) }
func (d suffixDir) Exists(name string) bool        { return d.Dir.Exists(name + d.extra) }
func (d suffixDir) Remove(name string) error       { return d.Dir.Remove(name + d.extra) }
