package segment

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// The transaction index (Kafka's TransactionIndex, a <base>.txnindex file
// beside each segment) lists the transactions aborted in that segment:
// the segment holding a transaction's ABORT marker holds its entry. Each
// entry is 34 bytes, Kafka's AbortedTxn: version int16 (0), producer id
// int64, first offset int64, last offset int64 (the marker), last stable
// offset int64 (where the partition's LSO stood when the transaction was
// aborted). A segment without aborted transactions has no file, as in
// Kafka, which creates it on the first entry.
//
// The partition derives its aborted transactions from the batches it
// applies (package partition, txnstate.go) and hands them here, appended
// as markers are written. A replica that opens from a producer snapshot
// reads the indexes of the segments below it back (TrustedAbortedTxns)
// instead of replaying those segments; after a replay or a truncation the
// files are rewritten from what the partition knows, so they always match
// the segments they sit beside.

// TxnIndexSuffix names a segment's transaction index.
const TxnIndexSuffix = ".txnindex"

const abortedTxnSize = 34

// AbortedTxn is one entry of the transaction index.
type AbortedTxn struct {
	ProducerID       int64
	FirstOffset      int64
	LastOffset       int64
	LastStableOffset int64
}

func appendAbortedTxn(dst []byte, a AbortedTxn) []byte {
	var b [abortedTxnSize]byte
	binary.BigEndian.PutUint64(b[2:], uint64(a.ProducerID))
	binary.BigEndian.PutUint64(b[10:], uint64(a.FirstOffset))
	binary.BigEndian.PutUint64(b[18:], uint64(a.LastOffset))
	binary.BigEndian.PutUint64(b[26:], uint64(a.LastStableOffset))
	return append(dst, b[:]...)
}

// DecodeTxnIndex reads a .txnindex file's entries.
func DecodeTxnIndex(b []byte) ([]AbortedTxn, error) {
	if len(b)%abortedTxnSize != 0 {
		return nil, fmt.Errorf("transaction index of %d bytes is not a whole number of %d-byte entries", len(b), abortedTxnSize)
	}
	out := make([]AbortedTxn, 0, len(b)/abortedTxnSize)
	for ; len(b) > 0; b = b[abortedTxnSize:] {
		if v := int16(binary.BigEndian.Uint16(b)); v != 0 {
			return nil, fmt.Errorf("transaction index entry of version %d, only 0 exists", v)
		}
		out = append(out, AbortedTxn{
			ProducerID:       int64(binary.BigEndian.Uint64(b[2:])),
			FirstOffset:      int64(binary.BigEndian.Uint64(b[10:])),
			LastOffset:       int64(binary.BigEndian.Uint64(b[18:])),
			LastStableOffset: int64(binary.BigEndian.Uint64(b[26:])),
		})
	}
	return out, nil
}

// AppendAbortedTxn adds an entry to the index of the segment holding its
// marker (a.LastOffset), which is the active one for a marker just
// appended.
func (l *Log) AppendAbortedTxn(a AbortedTxn) error {
	if a.ProducerID < 0 || a.FirstOffset < 0 || a.LastOffset < a.FirstOffset {
		return fmt.Errorf("aborted transaction %+v: needs a producer id and first offset <= last offset", a)
	}
	i := l.segmentFor(a.LastOffset)
	if i < 0 {
		return fmt.Errorf("aborted transaction ending at %d is outside the log", a.LastOffset)
	}
	f, err := l.dir.Open(FileName(l.segments[i].baseOffset, TxnIndexSuffix))
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Append(appendAbortedTxn(nil, a))
}

// RewriteTxnIndexes replaces every segment's transaction index with the
// entries whose marker it holds, removing the files of segments with
// none. entries are in log order.
func (l *Log) RewriteTxnIndexes(entries []AbortedTxn) error {
	for i, s := range l.segments {
		end := int64(1<<63 - 1)
		if i+1 < len(l.segments) {
			end = l.segments[i+1].baseOffset
		}
		var b []byte
		for _, a := range entries {
			if a.LastOffset >= s.baseOffset && a.LastOffset < end {
				b = appendAbortedTxn(b, a)
			}
		}
		name := FileName(s.baseOffset, TxnIndexSuffix)
		if len(b) > 0 && l.dir.Exists(name) {
			// An index already right is left alone: a replica opening
			// from a snapshot read it back and would only rewrite it.
			if old, err := ReadFile(l.dir, name); err == nil && bytes.Equal(old, b) {
				continue
			}
		}
		if len(b) == 0 {
			if l.dir.Exists(name) {
				if err := l.dir.Remove(name); err != nil {
					return err
				}
			}
			continue
		}
		if err := WriteFileAtomic(l.dir, name, b); err != nil {
			return err
		}
	}
	return nil
}

// ErrTxnIndexUntrusted is wrapped by TrustedAbortedTxns when a segment's
// transaction index cannot stand in for its batches.
var ErrTxnIndexUntrusted = errors.New("transaction index cannot be trusted")

// TrustedAbortedTxns reads back the transaction indexes of the segments
// below offset (a producer snapshot's offset) and returns their entries
// whose marker lies below it, in log order: what a replica opening from
// that snapshot needs instead of replaying those segments. An index is
// refused (an error wrapping ErrTxnIndexUntrusted; the caller rebuilds
// from the log) when it is not whole entries of version 0, when an entry
// is not ordered by marker or its marker lies outside its segment, or
// when the segment itself was recovered at open because its other
// indexes were missing or wrong. A missing .txnindex means no aborted
// transaction, as in Kafka, which creates the file on its first entry.
func (l *Log) TrustedAbortedTxns(offset int64) ([]AbortedTxn, error) {
	var out []AbortedTxn
	for i, s := range l.segments {
		if s.baseOffset >= offset {
			break
		}
		if s.rebuilt {
			return nil, fmt.Errorf("%w: segment %d was recovered at open", ErrTxnIndexUntrusted, s.baseOffset)
		}
		end := s.nextOffset
		if i+1 < len(l.segments) {
			end = max(end, l.segments[i+1].baseOffset)
		}
		name := FileName(s.baseOffset, TxnIndexSuffix)
		if !l.dir.Exists(name) {
			continue
		}
		b, err := ReadFile(l.dir, name)
		if err != nil {
			return nil, err
		}
		entries, err := DecodeTxnIndex(b)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrTxnIndexUntrusted, name, err)
		}
		last := int64(-1)
		for _, a := range entries {
			if a.ProducerID < 0 || a.FirstOffset < 0 || a.FirstOffset > a.LastOffset ||
				a.LastOffset < s.baseOffset || a.LastOffset >= end || a.LastOffset <= last {
				return nil, fmt.Errorf("%w: %s: entry %+v does not fit segment [%d, %d)", ErrTxnIndexUntrusted, name, a, s.baseOffset, end)
			}
			last = a.LastOffset
			if a.LastOffset < offset {
				out = append(out, a)
			}
		}
	}
	return out, nil
}
