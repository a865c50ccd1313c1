package segment

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Kafka keeps small pieces of state in "checkpoint" text files, all in
// the same format: a version line (0), a count line, then one entry per
// line with space-separated fields. Examples:
//
//	leader-epoch-checkpoint          (per partition)  epoch startOffset
//	recovery-point-offset-checkpoint (per data dir)   topic partition offset
//	replication-offset-checkpoint    (per data dir)   topic partition highWatermark
//	log-start-offset-checkpoint      (per data dir)   topic partition logStartOffset
//	cleaner-offset-checkpoint        (per data dir)   topic partition firstDirtyOffset
//
// Files are replaced atomically (write a temporary file, then rename).

// Checkpoint file names used by Kafka.
const (
	LeaderEpochCheckpoint     = "leader-epoch-checkpoint"
	RecoveryPointCheckpoint   = "recovery-point-offset-checkpoint"
	ReplicationCheckpoint     = "replication-offset-checkpoint"
	LogStartOffsetCheckpoint  = "log-start-offset-checkpoint"
	CleanerOffsetCheckpoint   = "cleaner-offset-checkpoint"
	CleanShutdownFile         = ".kafka_cleanshutdown"
	checkpointFormatVersion   = 0
	checkpointMaxEntriesGuard = 1 << 24
)

// WriteCheckpoint writes entries, each a list of fields, in checkpoint
// format.
func WriteCheckpoint(d Dir, name string, entries [][]string) error {
	for _, e := range entries {
		if len(e) == 0 {
			return fmt.Errorf("checkpoint %s: empty entry", name)
		}
		for _, f := range e {
			// A field with a blank in it would read back as two.
			if f == "" || strings.ContainsAny(f, " \t\r\n") {
				return fmt.Errorf("checkpoint %s: field %q is empty or holds white space", name, f)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d\n%d\n", checkpointFormatVersion, len(entries))
	for _, e := range entries {
		b.WriteString(strings.Join(e, " "))
		b.WriteByte('\n')
	}
	return WriteFileAtomic(d, name, []byte(b.String()))
}

// ReadCheckpoint reads a checkpoint file's entries, each split into its
// fields with want fields per entry. A missing file reads as no entries.
func ReadCheckpoint(d Dir, name string, want int) ([][]string, error) {
	if want < 1 {
		return nil, fmt.Errorf("checkpoint %s: %d fields per entry", name, want)
	}
	raw, err := ReadFile(d, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) < 2 {
		return nil, fmt.Errorf("checkpoint %s: missing version or count line", name)
	}
	if v, err := strconv.Atoi(strings.TrimSpace(lines[0])); err != nil || v != checkpointFormatVersion {
		return nil, fmt.Errorf("checkpoint %s: unsupported version %q", name, lines[0])
	}
	n, err := strconv.Atoi(strings.TrimSpace(lines[1]))
	if err != nil || n < 0 || n > checkpointMaxEntriesGuard || n != len(lines)-2 {
		return nil, fmt.Errorf("checkpoint %s: count line %q does not match %d entries", name, lines[1], len(lines)-2)
	}
	out := make([][]string, 0, n)
	for _, l := range lines[2:] {
		f := strings.Fields(l)
		if len(f) != want {
			return nil, fmt.Errorf("checkpoint %s: entry %q has %d fields, want %d", name, l, len(f), want)
		}
		out = append(out, f)
	}
	return out, nil
}
