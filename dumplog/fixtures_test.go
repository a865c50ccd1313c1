package dumplog

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/gregorkafka/gregor/record"
)

// workbench writes a partition directory that exercises every line the
// dump prints: keys, headers, a tombstone, compression, idempotent and
// transactional producers (with a sequence that wraps), a COMMIT marker,
// LogAppendTime, an offset gap, KIP-534's delete horizon, bytes that are
// not UTF-8; indexes with entries that do not match the log; a segment
// with a broken CRC and a torn tail; a .txnindex and a producer snapshot.
func workbench(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "orders-0")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	const ts = 1700000000000
	var log []byte
	var pos []int32
	add := func(opts record.BatchOptions, rs ...record.Record) []byte {
		b, err := record.Build(opts, rs)
		if err != nil {
			t.Fatal(err)
		}
		pos = append(pos, int32(len(log)))
		log = append(log, b...)
		return b
	}
	add(record.BatchOptions{BaseOffset: 0, PartitionLeaderEpoch: 3, Compression: record.LZ4, HasProducer: true, ProducerID: 7, BaseSequence: 0},
		record.Record{Timestamp: ts, Key: []byte("alice"), Value: []byte("order-1"), Headers: []record.RecordHeader{{Key: "trace", Value: []byte("x")}, {Key: "span"}}},
		record.Record{Timestamp: ts + 5, Key: []byte("bob"), Value: []byte("")},
		record.Record{Timestamp: ts + 2, Key: []byte("alice")}) // a tombstone
	add(record.BatchOptions{BaseOffset: 3, PartitionLeaderEpoch: 3, Transactional: true, HasProducer: true, ProducerID: 8, ProducerEpoch: 1, BaseSequence: 2147483647},
		record.Record{Timestamp: ts + 10, Value: []byte("in a transaction")},
		record.Record{Timestamp: ts + 11, Value: []byte{0xff, 'o', 0xc3}})
	add(record.BatchOptions{BaseOffset: 5, PartitionLeaderEpoch: 3, Transactional: true, Control: true, HasProducer: true, ProducerID: 8, ProducerEpoch: 1, BaseSequence: -1},
		record.Record{Timestamp: ts + 12, Key: []byte{0, 0, 0, 1}, Value: []byte{0, 0, 0, 0, 0, 4}})
	add(record.BatchOptions{BaseOffset: 6, PartitionLeaderEpoch: 4, Compression: record.Gzip, TimestampType: record.LogAppendTime},
		record.Record{Timestamp: ts + 20, Value: []byte("appended")}, record.Record{Timestamp: ts + 30, Value: []byte("ㅗHihihi")})
	horizon := add(record.BatchOptions{BaseOffset: 10, PartitionLeaderEpoch: 4},
		record.Record{Timestamp: ts + 40, Key: []byte("k"), Value: []byte("after a gap")})
	// The cleaner's delete-horizon flag (attribute bit 6), CRC recomputed.
	binary.BigEndian.PutUint16(horizon[21:], binary.BigEndian.Uint16(horizon[21:])|0x40)
	copy(log[pos[4]:], horizon)
	binary.BigEndian.PutUint32(log[pos[4]+17:], crc32.Checksum(log[pos[4]+21:], crc32.MakeTable(crc32.Castagnoli)))
	write(t, dir, "00000000000000000000.log", log)

	// Offset index: right for the first two batches; then an entry that
	// names offset 6 at the control batch's position (whose last offset is
	// 5), then the zero tail of a preallocated index.
	write(t, dir, "00000000000000000000.index", offsetIndexBytes(
		[][2]int32{{2, pos[0]}, {4, pos[1]}, {6, pos[2]}, {0, 0}, {0, 0}}))
	// Time index: right, right, a timestamp that is not its batch's
	// largest and goes backwards, an offset inside a batch, zero tail.
	write(t, dir, "00000000000000000000.timeindex", timeIndexBytes(
		[][2]int64{{ts + 5, 2}, {ts + 11, 4}, {ts + 1, 7}, {ts + 50, 8}, {0, 0}}))
	// Two aborted transactions and the start of a third, torn.
	txn := append(abortedTxn(8, 3, 5, 3), abortedTxn(9, 6, 10, 6)...)
	write(t, dir, "00000000000000000000.txnindex", append(txn, 0, 0, 0, 0, 0))

	// Segment 100: one batch whose value was damaged after its CRC was
	// computed, then a torn batch.
	b, err := record.Build(record.BatchOptions{BaseOffset: 100}, []record.Record{{Timestamp: ts + 60, Value: []byte("damaged")}})
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-2] ^= 0xff
	next, _ := record.Build(record.BatchOptions{BaseOffset: 101}, []record.Record{{Timestamp: ts + 61, Value: []byte("torn")}})
	write(t, dir, "00000000000000000100.log", append(b, next[:40]...))
	write(t, dir, "00000000000000000100.index", nil)
	write(t, dir, "00000000000000000100.timeindex", timeIndexBytes([][2]int64{{ts + 60, 0}, {0, 0}}))
	write(t, dir, "00000000000000000101.snapshot", producerSnapshotBytes(
		[8]int64{7, 0, 2, 2, 2, ts + 5, -1, -1},
		[8]int64{8, 1, 0, 4, 1, ts + 11, 5, 3},
		[8]int64{9, 0, -1, -1, 0, -1, 0, -1}))
	// Neither Kafka's nor gregor's tool dumps these.
	write(t, dir, "partition.metadata", []byte("version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA\n"))
	write(t, dir, "leader-epoch-checkpoint", []byte("0\n0\n"))
	return dir
}

func write(t testing.TB, dir, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func offsetIndexBytes(entries [][2]int32) []byte {
	var b []byte
	for _, e := range entries {
		b = binary.BigEndian.AppendUint32(b, uint32(e[0]))
		b = binary.BigEndian.AppendUint32(b, uint32(e[1]))
	}
	return b
}

func timeIndexBytes(entries [][2]int64) []byte {
	var b []byte
	for _, e := range entries {
		b = binary.BigEndian.AppendUint64(b, uint64(e[0]))
		b = binary.BigEndian.AppendUint32(b, uint32(e[1]))
	}
	return b
}

func abortedTxn(producerID, first, last, lso int64) []byte {
	b := binary.BigEndian.AppendUint16(nil, 0)
	for _, v := range []int64{producerID, first, last, lso} {
		b = binary.BigEndian.AppendUint64(b, uint64(v))
	}
	return b
}

// producerSnapshotBytes encodes ProducerSnapshot v1; each producer is
// id, epoch, last sequence, last offset, offset delta, timestamp,
// coordinator epoch, current transaction's first offset.
func producerSnapshotBytes(producers ...[8]int64) []byte {
	b := binary.BigEndian.AppendUint16(nil, 1)
	b = append(b, 0, 0, 0, 0) // the CRC, below
	b = binary.BigEndian.AppendUint32(b, uint32(len(producers)))
	for _, p := range producers {
		b = binary.BigEndian.AppendUint64(b, uint64(p[0]))
		b = binary.BigEndian.AppendUint16(b, uint16(p[1]))
		b = binary.BigEndian.AppendUint32(b, uint32(p[2]))
		b = binary.BigEndian.AppendUint64(b, uint64(p[3]))
		b = binary.BigEndian.AppendUint32(b, uint32(p[4]))
		b = binary.BigEndian.AppendUint64(b, uint64(p[5]))
		b = binary.BigEndian.AppendUint32(b, uint32(p[6]))
		b = binary.BigEndian.AppendUint64(b, uint64(p[7]))
	}
	binary.BigEndian.PutUint32(b[2:], crc32.Checksum(b[6:], crc32.MakeTable(crc32.Castagnoli)))
	return b
}
