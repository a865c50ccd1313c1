package segment

import "errors"

// segmentSuffixes are the files one segment consists of, the .log first.
// Everything that moves a segment as a whole (deletion's rename to
// .deleted, the cleaner's swap) walks this list, so a file that joins a
// segment (Kafka's .txnindex) is added here and nowhere else.
var segmentSuffixes = []string{LogSuffix, IndexSuffix, TimeIndexSuffix, TxnIndexSuffix}

// renameSegmentFiles renames every file of the segment at base from
// name+from to name+to (from or to may be ""), the .log last: a segment's
// .log under a name means the whole segment is there (swap.go). A file
// that does not exist is skipped: not every segment has every optional
// file.
func renameSegmentFiles(dir Dir, base int64, from, to string) error {
	var err error
	for i := len(segmentSuffixes) - 1; i >= 0; i-- {
		suffix := segmentSuffixes[i]
		name := FileName(base, suffix)
		if !dir.Exists(name + from) {
			continue
		}
		err = errors.Join(err, dir.Rename(name+from, name+to))
	}
	return err
}

// removeSegmentFiles removes every file of the segment at base that ends
// with its suffix followed by extra ("" for the live files).
func removeSegmentFiles(dir Dir, base int64, extra string) error {
	var err error
	for _, suffix := range segmentSuffixes {
		err = errors.Join(err, dir.Remove(FileName(base, suffix)+extra))
	}
	return err
}
