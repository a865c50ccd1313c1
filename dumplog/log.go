package dumplog

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/gregorkafka/gregor/record"
)

// log prints a .log file: a line per batch, and with deep iteration a
// line per record under it.
func (d *dumper) log(path string) error {
	base, err := baseOffsetOf(path)
	if err != nil {
		return err
	}
	d.printf("Log starting offset: %d\n", base)
	b, size, err := readPrefix(path, d.opts.MaxBytes)
	if err != nil {
		return err
	}
	lastOffset := int64(-1)
	whole, err := batches(b, func(bt batch) error {
		d.printBatch(bt)
		if !d.opts.DeepIteration {
			return nil
		}
		rs, err := bt.records()
		if err != nil {
			return err
		}
		for _, r := range rs {
			// As in Kafka's tool, a segment that does not start at offset
			// 0 is reported too: -1 is followed by its first offset.
			if r.Offset != lastOffset+1 {
				note(&d.nonConsecutive, path, lastOffset, r.Offset)
			}
			lastOffset = r.Offset
			d.printRecord(bt, r)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if trailing := size - whole; trailing > 0 && d.opts.MaxBytes == defaultMaxBytes {
		d.printf("Found %d invalid bytes at the end of %s\n", trailing, filepath.Base(path))
	}
	return nil
}

// readPrefix reads at most max bytes of a file and returns them with the
// file's whole size.
func readPrefix(path string, max int) ([]byte, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if fi.IsDir() {
		return nil, 0, fmt.Errorf("%s is a directory", path)
	}
	n := fi.Size()
	if n > int64(max) {
		n = int64(max)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, 0, fmt.Errorf("%s: %v", path, err)
	}
	return b, fi.Size(), nil
}

func (d *dumper) printBatch(bt batch) {
	h := bt.h
	d.printf("baseOffset: %d lastOffset: %d count: %d baseSequence: %d lastSequence: %d producerId: %d producerEpoch: %d"+
		" partitionLeaderEpoch: %d isTransactional: %t isControl: %t deleteHorizonMs: %s"+
		" position: %d %s: %d size: %d magic: %d compresscodec: %s crc: %d isvalid: %t\n",
		h.BaseOffset, h.LastOffset(), h.NumRecords, h.BaseSequence, bt.lastSequence(), h.ProducerID, h.ProducerEpoch,
		h.PartitionLeaderEpoch, h.IsTransactional(), h.IsControl(), bt.deleteHorizon(),
		bt.position, h.TimestampType(), h.MaxTimestamp, len(bt.bytes), h.Magic, h.Compression(), h.CRC, bt.valid)
}

// printRecord prints one record line, in the order and with the spacing
// of Kafka's tool: "| " before the first field, a space before the others.
func (d *dumper) printRecord(bt batch, r record.Record) {
	var sb strings.Builder
	prefix := "| "
	if !d.opts.SkipRecordMetadata {
		seq := int32(-1)
		if bt.h.BaseSequence >= 0 {
			seq = incrementSequence(bt.h.BaseSequence, r.OffsetDelta)
		}
		keys := make([]string, len(r.Headers))
		for i, hd := range r.Headers {
			keys[i] = hd.Key
		}
		fmt.Fprintf(&sb, "%soffset: %d %s: %d keySize: %d valueSize: %d sequence: %d headerKeys: [%s]",
			prefix, r.Offset, bt.h.TimestampType(), r.Timestamp, size(r.Key), size(r.Value), seq, strings.Join(keys, ","))
		prefix = " "
		if bt.h.IsControl() {
			sb.WriteString(controlRecord(r))
		}
	}
	if d.opts.PrintDataLog && !bt.h.IsControl() {
		if r.Key != nil {
			sb.WriteString(prefix + "key: " + javaString(r.Key))
			prefix = " "
		}
		if r.Value != nil {
			sb.WriteString(prefix + "payload: " + javaString(r.Value))
		}
	}
	sb.WriteByte('\n')
	io.WriteString(d.out, sb.String())
}

// size is a key's or value's length as the record encodes it: -1 for
// null.
func size(b []byte) int {
	if b == nil {
		return -1
	}
	return len(b)
}

// The control record types of ControlRecordType: the key is a version
// and a type, each an int16.
var controlTypes = map[int16]string{
	0: "ABORT", 1: "COMMIT", 2: "SNAPSHOT_HEADER", 3: "SNAPSHOT_FOOTER", 4: "KRAFT_VERSION", 5: "KRAFT_VOTERS",
}

// controlRecord describes a control record: for a transaction marker its
// type and the coordinator epoch that wrote it (the value is a version,
// int16, and the epoch, int32).
func controlRecord(r record.Record) string {
	if len(r.Key) < 4 {
		return fmt.Sprintf(" controlType: UNKNOWN (a control key of %d bytes)", len(r.Key))
	}
	id := int16(binary.BigEndian.Uint16(r.Key[2:]))
	name, ok := controlTypes[id]
	if !ok {
		name = "UNKNOWN"
	}
	if id == 0 || id == 1 {
		if len(r.Value) < 6 {
			return fmt.Sprintf(" endTxnMarker: %s (a marker value of %d bytes)", name, len(r.Value))
		}
		return fmt.Sprintf(" endTxnMarker: %s coordinatorEpoch: %d", name, int32(binary.BigEndian.Uint32(r.Value[2:])))
	}
	return fmt.Sprintf(" controlType: %s(%d)", name, id)
}

// javaString decodes bytes as Java's new String(bytes, UTF_8) does, the
// default decoder of Kafka's tool: each byte that is not part of valid
// UTF-8 becomes U+FFFD.
func javaString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		sb.WriteRune(r)
		b = b[n:]
	}
	return sb.String()
}
