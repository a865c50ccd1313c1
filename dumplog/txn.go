package dumplog

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
)

// abortedTxnSize is a .txnindex entry: version int16, producer id,
// first offset, last offset and last stable offset, int64 each.
const abortedTxnSize = 2 + 4*8

// txnIndex prints a .txnindex file, one aborted transaction a line. A
// partial entry at the end (a torn write) is not read, as Kafka's
// TransactionIndex does not read it.
func (d *dumper) txnIndex(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for ; len(b) >= abortedTxnSize; b = b[abortedTxnSize:] {
		version := int16(binary.BigEndian.Uint16(b))
		if version > 0 {
			abs, _ := filepath.Abs(path)
			return kafkaMessagef("Unexpected aborted transaction version %d in transaction index %s, current version is 0", version, abs)
		}
		d.printf("version: %d producerId: %d firstOffset: %d lastOffset: %d lastStableOffset: %d\n", version,
			int64(binary.BigEndian.Uint64(b[2:])), int64(binary.BigEndian.Uint64(b[10:])),
			int64(binary.BigEndian.Uint64(b[18:])), int64(binary.BigEndian.Uint64(b[26:])))
	}
	return nil
}

// producerEntrySize is one producer of a ProducerSnapshot (version 1):
// producer id int64, epoch int16, last sequence int32, last offset int64,
// offset delta int32, timestamp int64, coordinator epoch int32, current
// transaction's first offset int64.
const producerEntrySize = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8

// producerSnapshot prints a .snapshot file, one producer a line, as
// Kafka's tool does: the last batch's sequences and offsets only when the
// producer has written one (last offset >= 0). A damaged snapshot prints
// Kafka's message and is not an error, as in Kafka's tool.
func (d *dumper) producerSnapshot(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(b) < 2 {
		fmt.Fprintf(d.errOut, "Snapshot failed schema validation: %d bytes is too short for the version\n", len(b))
		return nil
	}
	if version := int16(binary.BigEndian.Uint16(b)); version != 1 {
		fmt.Fprintf(d.errOut, "Snapshot contained an unknown file version %d\n", version)
		return nil
	}
	if len(b) < 10 {
		fmt.Fprintf(d.errOut, "Snapshot failed schema validation: %d bytes is too short for the CRC and the producer count\n", len(b))
		return nil
	}
	n := int32(binary.BigEndian.Uint32(b[6:]))
	if n < 0 || int64(n)*producerEntrySize > int64(len(b)-10) {
		fmt.Fprintf(d.errOut, "Snapshot failed schema validation: %d producers do not fit in %d bytes\n", n, len(b)-10)
		return nil
	}
	if stored, computed := binary.BigEndian.Uint32(b[2:]), crc32.Checksum(b[6:], castagnoli); stored != computed {
		fmt.Fprintf(d.errOut, "Snapshot is corrupt (CRC is no longer valid). Stored crc: %d. Computed crc: %d\n", stored, computed)
		return nil
	}
	for e := b[10:]; n > 0; n, e = n-1, e[producerEntrySize:] {
		var (
			producerID       = int64(binary.BigEndian.Uint64(e))
			epoch            = int16(binary.BigEndian.Uint16(e[8:]))
			lastSeq          = int32(binary.BigEndian.Uint32(e[10:]))
			lastOffset       = int64(binary.BigEndian.Uint64(e[14:]))
			offsetDelta      = int32(binary.BigEndian.Uint32(e[22:]))
			timestamp        = int64(binary.BigEndian.Uint64(e[26:]))
			coordinatorEpoch = int32(binary.BigEndian.Uint32(e[34:]))
			txnFirstOffset   = int64(binary.BigEndian.Uint64(e[38:]))
		)
		txn := "OptionalLong.empty"
		if txnFirstOffset >= 0 {
			txn = fmt.Sprintf("OptionalLong[%d]", txnFirstOffset)
		}
		d.printf("producerId: %d producerEpoch: %d coordinatorEpoch: %d currentTxnFirstOffset: %s lastTimestamp: %d",
			producerID, epoch, coordinatorEpoch, txn, timestamp)
		if lastOffset >= 0 {
			d.printf(" firstSequence: %d lastSequence: %d lastOffset: %d offsetDelta: %d timestamp: %d",
				decrementSequence(lastSeq, offsetDelta), lastSeq, lastOffset, offsetDelta, timestamp)
		}
		d.printf("\n")
	}
	return nil
}
