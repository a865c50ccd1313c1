package segment

import (
	"errors"
	"strings"
)

// Replacing segments with cleaned ones so that a crash at any moment
// leaves either the old segments or the new one, after Kafka's
// UnifiedLog.replaceSegments and LogLoader:
//
//  1. the cleaner writes the new segment as <base>.log.cleaned (and
//     .index.cleaned, .timeindex.cleaned) and syncs it;
//  2. it renames those files .cleaned -> .swap, the .log last, so a
//     .log.swap exists only once the whole new segment does;
//  3. it deletes the old segments as any deletion does (renamed .deleted,
//     removed after file.delete.delay.ms);
//  4. it renames the .swap files to their live names, the .log last.
//
// Opening a log (recoverSwaps) undoes or finishes what a crash
// interrupted: .cleaned files are an unfinished cleaning and are removed,
// as are .swap index files without their .log.swap (the old segments are
// all still live); a .log.swap is a finished cleaning, so the live
// segments it covers are removed and it is renamed into place. The new
// segment's base offset is the first old segment's, so the live names of
// old and new collide; that is why the old ones go first.

// Suffixes of a cleaning in progress.
const (
	CleanedSuffix = ".cleaned"
	SwapSuffix    = ".swap"
)

// recoverSwaps completes or rolls back interrupted segment replacements
// before a log is loaded.
func recoverSwaps(dir Dir, cfg Config) error {
	names, err := dir.Names()
	if err != nil {
		return err
	}
	var live []int64
	for _, n := range names {
		if strings.HasSuffix(n, CleanedSuffix) {
			if err := dir.Remove(n); err != nil {
				return err
			}
			continue
		}
		if base, ok := parseLogFileName(n); ok {
			live = append(live, base)
		}
	}
	for _, n := range names {
		digits, ok := strings.CutSuffix(n, LogSuffix+SwapSuffix)
		if !ok {
			continue
		}
		base, ok := parseLogFileName(digits + LogSuffix)
		if !ok {
			continue
		}
		s, err := loadSegment(suffixDir{dir, SwapSuffix}, base, cfg, true)
		if err != nil {
			return err
		}
		next := s.nextOffset
		if err := s.close(); err != nil {
			return err
		}
		// The old segments the new one replaces start within its range;
		// the one at its own base offset included.
		for _, b := range live {
			if b >= base && (b < next || b == base) {
				if err := removeSegmentFiles(dir, b, ""); err != nil {
					return err
				}
			}
		}
		if err := renameSegmentFiles(dir, base, SwapSuffix, ""); err != nil {
			return err
		}
	}
	// Index files renamed .swap whose .log was not: the cleaning never
	// reached its swap, and the old segments are whole.
	names, err = dir.Names()
	if err != nil {
		return err
	}
	for _, n := range names {
		if strings.HasSuffix(n, SwapSuffix) {
			err = errors.Join(err, dir.Remove(n))
		}
	}
	return err
}
