package dumplog

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Options are kafka-dump-log.sh's flags.
type Options struct {
	// PrintDataLog prints each record's key and value (--print-data-log);
	// it implies DeepIteration.
	PrintDataLog bool
	// DeepIteration prints each record's metadata under its batch
	// (--deep-iteration).
	DeepIteration bool
	// SkipRecordMetadata leaves the record metadata out of deep lines
	// (--skip-record-metadata).
	SkipRecordMetadata bool
	// VerifyIndexOnly checks .index and .timeindex files against their log
	// without printing the entries (--verify-index-only).
	VerifyIndexOnly bool
	// IndexSanityCheck runs only the broker's startup check on each index
	// (--index-sanity-check).
	IndexSanityCheck bool
	// MaxBytes reads at most this many bytes of each .log file
	// (--max-bytes); 0 means Kafka's default, no limit (2^31-1).
	MaxBytes int
	// MaxMessageSize is how far past an offset index entry's position the
	// batch it names is looked for (--max-message-size); 0 means Kafka's
	// default, 5 MiB.
	MaxMessageSize int
	// OffsetsDecoder and TransactionLogDecoder would decode
	// __consumer_offsets and __transaction_state records
	// (--offsets-decoder, --transaction-log-decoder); not yet implemented:
	// Dump refuses them.
	OffsetsDecoder, TransactionLogDecoder bool
}

// Kafka's defaults for --max-bytes and --max-message-size.
const (
	defaultMaxBytes       = math.MaxInt32
	defaultMaxMessageSize = 5 * 1024 * 1024
)

// ErrNotImplemented is returned for an option gregor's dump does not
// have yet.
var ErrNotImplemented = errors.New("not implemented yet")

func (o Options) validate() (Options, error) {
	if o.OffsetsDecoder || o.TransactionLogDecoder {
		return o, fmt.Errorf("--offsets-decoder and --transaction-log-decoder: %w", ErrNotImplemented)
	}
	if o.MaxBytes < 0 || o.MaxMessageSize < 0 {
		return o, fmt.Errorf("max-bytes %d and max-message-size %d must not be negative", o.MaxBytes, o.MaxMessageSize)
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = defaultMaxBytes
	}
	if o.MaxMessageSize == 0 {
		o.MaxMessageSize = defaultMaxMessageSize
	}
	if o.PrintDataLog {
		o.DeepIteration = true
	}
	return o, nil
}

// Dump prints each file of paths to out as kafka-dump-log.sh does, a
// directory as all the segment files in it, and then, to errOut, the
// mismatches it found between indexes and logs. It returns an error
// (after dumping the rest) when a file could not be read or was damaged
// in a way Kafka's tool stops at; damage that Kafka's tool prints, such as
// an invalid CRC or trailing bytes, is in the output and is not an error.
func Dump(out, errOut io.Writer, paths []string, opts Options) error {
	if out == nil || errOut == nil {
		return errors.New("dumplog: out and errOut must not be nil")
	}
	if len(paths) == 0 {
		return errors.New("dumplog: no files to dump")
	}
	opts, err := opts.validate()
	if err != nil {
		return err
	}
	d := &dumper{out: out, errOut: errOut, opts: opts}
	for _, p := range paths {
		files, err := expand(p)
		if err != nil {
			d.fail(err)
			continue
		}
		for _, f := range files {
			d.file(f)
		}
	}
	d.report()
	if d.failures > 0 {
		return fmt.Errorf("dumplog: %d file(s) could not be dumped whole", d.failures)
	}
	return nil
}

// expand turns a directory into its segment files, sorted by name.
func expand(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil || !fi.IsDir() {
		// A missing file is reported when it is dumped, after its
		// "Dumping" line, as Kafka's tool does.
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && knownSuffix(filepath.Ext(e.Name())) {
			files = append(files, filepath.Join(path, e.Name()))
		}
	}
	slices.Sort(files)
	return files, nil
}

func knownSuffix(s string) bool {
	switch s {
	case ".log", ".index", ".timeindex", ".txnindex", ".snapshot":
		return true
	}
	return false
}

// dumper carries the findings that are reported after all files.
type dumper struct {
	out, errOut io.Writer
	opts        Options
	failures    int

	indexMismatches map[string][][2]int64 // offset index: index offset, log offset
	timeMismatches  map[string][][2]int64 // index timestamp, log timestamp
	timeOutOfOrder  map[string][][2]int64 // index timestamp, previous one
	timeNotFound    map[string][][2]int64 // indexed offset, log offset found
	nonConsecutive  map[string][][2]int64 // offset, the next one
}

func (d *dumper) printf(format string, a ...any) { fmt.Fprintf(d.out, format, a...) }

// fail reports a file that could not be dumped (whole).
func (d *dumper) fail(err error) {
	d.failures++
	fmt.Fprintf(d.errOut, "%v\n", err)
}

func (d *dumper) file(path string) {
	d.printf("Dumping %s\n", path)
	name := filepath.Base(path)
	suffix := ""
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		suffix = name[i:]
	}
	var err error
	switch suffix {
	case ".log":
		err = d.log(path)
	case ".index":
		err = d.offsetIndex(path)
	case ".timeindex":
		err = d.timeIndex(path)
	case ".txnindex":
		err = d.txnIndex(path)
	case ".snapshot":
		err = d.producerSnapshot(path)
	default:
		fmt.Fprintf(d.errOut, "Ignoring unknown file %s\n", path)
	}
	if err != nil {
		d.fail(err)
	}
}

// note records a finding for the report, keyed by absolute path as
// Kafka's tool keys them.
func note(m *map[string][][2]int64, path string, a, b int64) {
	if *m == nil {
		*m = map[string][][2]int64{}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	(*m)[abs] = append((*m)[abs], [2]int64{a, b})
}

// report prints the findings in Kafka's words and order. Kafka's tool
// collects the offset index mismatches and the non-consecutive pairs by
// prepending, so it prints them last found first; so does this.
func (d *dumper) report() {
	w := d.errOut
	for _, f := range sortedKeys(d.indexMismatches) {
		fmt.Fprintf(w, "Mismatches in :%s\n", f)
		for _, m := range slices.Backward(d.indexMismatches[f]) {
			fmt.Fprintf(w, "  Index offset: %d, log offset: %d\n", m[0], m[1])
		}
	}
	for _, f := range sortedKeys(d.timeMismatches) {
		fmt.Fprintf(w, "Found timestamp mismatch in :%s\n", f)
		for _, m := range d.timeMismatches[f] {
			fmt.Fprintf(w, "  Index timestamp: %d, log timestamp: %d\n", m[0], m[1])
		}
	}
	for _, f := range sortedKeys(d.timeOutOfOrder) {
		fmt.Fprintf(w, "Found out of order timestamp in :%s\n", f)
		for _, m := range d.timeOutOfOrder[f] {
			fmt.Fprintf(w, "  Index timestamp: %d, Previously indexed timestamp: %d\n", m[0], m[1])
		}
	}
	for _, f := range sortedKeys(d.timeNotFound) {
		fmt.Fprintf(w, "The following indexed offsets are not found in :%s\n", f)
		for _, m := range d.timeNotFound[f] {
			fmt.Fprintf(w, "Indexed offset: %d, found log offset: %d\n", m[0], m[1])
		}
	}
	for _, f := range sortedKeys(d.nonConsecutive) {
		fmt.Fprintf(w, "Non-consecutive offsets in %s\n", f)
		for _, m := range slices.Backward(d.nonConsecutive[f]) {
			fmt.Fprintf(w, "  %d is followed by %d\n", m[0], m[1])
		}
	}
}

func sortedKeys(m map[string][][2]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// baseOffsetOf is the base offset in a segment file's name.
func baseOffsetOf(path string) (int64, error) {
	name := filepath.Base(path)
	stem, _, _ := strings.Cut(name, ".")
	var n int64
	if stem == "" {
		return 0, fmt.Errorf("%s: the name does not start with a segment's base offset", path)
	}
	for _, c := range stem {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%s: the name does not start with a segment's base offset", path)
		}
		if n > (math.MaxInt64-9)/10 {
			return 0, fmt.Errorf("%s: the base offset in the name is out of range", path)
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

// sibling is the segment file beside path with another suffix.
func sibling(path, suffix string) string {
	dir, name := filepath.Split(path)
	stem, _, _ := strings.Cut(name, ".")
	return filepath.Join(dir, stem+suffix)
}

// kafkaMessage is an error in the words of Kafka's exception, printed as
// its tool prints it, capital letter and full stop included.
type kafkaMessage string

func (m kafkaMessage) Error() string { return string(m) }

func kafkaMessagef(format string, a ...any) error { return kafkaMessage(fmt.Sprintf(format, a...)) }
