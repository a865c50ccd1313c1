package dumplog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/record"
)

func dump(t *testing.T, opts Options, paths ...string) (out, errOut string, err error) {
	t.Helper()
	var o, e bytes.Buffer
	err = Dump(&o, &e, paths, opts)
	return o.String(), e.String(), err
}

// The textbook's first partition, as its segment chapter prints it with
// kafka-dump-log.sh --print-data-log (the first batches).
func TestTextbookSegment(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join("..", "record", "testdata", "kafka-3.x-partition0.log"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "00000000000000000000.log")
	write(t, dir, "00000000000000000000.log", b)
	out, errOut, err := dump(t, Options{PrintDataLog: true}, path)
	if err != nil || errOut != "" {
		t.Fatalf("Dump: %v, errors %q", err, errOut)
	}
	want := "Dumping " + path + "\n" +
		"Log starting offset: 0\n" +
		"baseOffset: 0 lastOffset: 0 count: 1 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 0 isTransactional: false isControl: false deleteHorizonMs: OptionalLong.empty position: 0 CreateTime: 1659880181967 size: 72 magic: 2 compresscodec: none crc: 1396962873 isvalid: true\n" +
		"| offset: 0 CreateTime: 1659880181967 keySize: -1 valueSize: 4 sequence: -1 headerKeys: [] payload: hihi\n"
	if !strings.HasPrefix(out, want) {
		t.Errorf("dump starts\n%s\nwant\n%s", out[:min(len(out), len(want))], want)
	}
	if !strings.Contains(out, "| offset: 5 CreateTime: 1659880595262 keySize: -1 valueSize: 9 sequence: -1 headerKeys: [] payload: ㅗHihihi\n") {
		t.Errorf("the last record is missing:\n%s", out)
	}
	if n := strings.Count(out, "baseOffset: "); n != 6 {
		t.Errorf("%d batches, want 6", n)
	}
}

// What each kind of line says about the workbench's unusual batches and
// broken indexes, without needing Kafka's tool to compare with.
func TestWorkbench(t *testing.T) {
	dir := workbench(t)
	out, errOut, err := dump(t, Options{PrintDataLog: true}, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"lastSequence: 0 producerId: 8 producerEpoch: 1", // 2^31-1 wraps to 0
		"| offset: 0 CreateTime: 1700000000000 keySize: 5 valueSize: 7 sequence: 0 headerKeys: [trace,span] key: alice payload: order-1\n",
		"| offset: 2 CreateTime: 1700000000002 keySize: 5 valueSize: -1 sequence: 2 headerKeys: [] key: alice\n", // a tombstone
		"| offset: 5 CreateTime: 1700000000012 keySize: 4 valueSize: 6 sequence: -1 headerKeys: [] endTxnMarker: COMMIT coordinatorEpoch: 4\n",
		"isControl: true",
		"LogAppendTime: 1700000000030 size:",
		"| offset: 7 LogAppendTime: 1700000000030 ",
		"compresscodec: gzip", "compresscodec: lz4",
		"deleteHorizonMs: OptionalLong[1700000000040]",
		"payload: \uFFFDo\uFFFD\n",
		"crc: 1742668482 isvalid: false",
		"Found 40 invalid bytes at the end of 00000000000000000100.log\n",
		"00000000000000000100.index is empty.\n",
		"version: 0 producerId: 9 firstOffset: 6 lastOffset: 10 lastStableOffset: 6\n",
		"producerId: 8 producerEpoch: 1 coordinatorEpoch: 5 currentTxnFirstOffset: OptionalLong[3] lastTimestamp: 1700000000011 firstSequence: 2147483647 lastSequence: 0 lastOffset: 4 offsetDelta: 1 timestamp: 1700000000011\n",
		"producerId: 9 producerEpoch: 0 coordinatorEpoch: 0 currentTxnFirstOffset: OptionalLong.empty lastTimestamp: -1\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "partition.metadata") || strings.Contains(out, "leader-epoch-checkpoint") {
		t.Errorf("a directory dump should leave out files that are not segments:\n%s", out)
	}
	for _, want := range []string{
		"00000000000000000000.index\n  Index offset: 6, log offset: 5\n",
		"00000000000000000000.timeindex\n  Index timestamp: 1700000000001, log timestamp: 1700000000030\n",
		"Found out of order timestamp in :",
		"Indexed offset: 8, found log offset: 10\n",
		"  7 is followed by 10\n",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("findings lack %q:\n%s", want, errOut)
		}
	}
}

// Damaged files are described in words, never a panic, and the other
// files are still dumped.
func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	good, _ := record.Build(record.BatchOptions{}, []record.Record{{Timestamp: 1, Value: []byte("v")}})
	magic1 := append([]byte(nil), good...)
	magic1[16] = 1
	short := append([]byte(nil), good...)
	short[11] = 5 // a batch length of 5
	headerOnly := append([]byte(nil), good[:record.HeaderSize]...)
	headerOnly[11] = 20 // a length that fits the file but not a v2 header
	cases := []struct {
		name  string
		bytes []byte
		want  string
	}{
		{"00000000000000000000.log", magic1, "has magic 1; only magic 2"},
		{"00000000000000000001.log", short, "found record size 5 smaller than minimum record overhead (14) at position 0"},
		{"00000000000000000002.log", headerOnly[:32], "shorter than a batch header"},
		{"not-a-segment.log", good, "does not start with a segment's base offset"},
		{"00000000000000000003.index", []byte{0, 0, 0, 1, 0, 0, 0, 0}, "its log"},
		{"00000000000000000004.txnindex", append([]byte{0, 1}, make([]byte, 32)...), "Unexpected aborted transaction version 1"},
	}
	var paths []string
	for _, c := range cases {
		write(t, dir, c.name, c.bytes)
		paths = append(paths, filepath.Join(dir, c.name))
	}
	paths = append(paths, filepath.Join(dir, "00000000000000000009.log")) // missing
	_, errOut, err := dump(t, Options{PrintDataLog: true}, paths...)
	if err == nil {
		t.Fatal("no error for damaged files")
	}
	for _, c := range cases {
		if !strings.Contains(errOut, c.want) {
			t.Errorf("%s: errors lack %q:\n%s", c.name, c.want, errOut)
		}
	}
	if !strings.Contains(errOut, "no such file") {
		t.Errorf("a missing file is not reported:\n%s", errOut)
	}

	// A snapshot with a wrong CRC, and one of an unknown version, are
	// reported as Kafka's tool reports them (on the error stream, not as
	// a failure).
	snap := producerSnapshotBytes([8]int64{1, 0, 0, 0, 0, 0, 0, -1})
	snap[len(snap)-1] ^= 1
	write(t, dir, "00000000000000000000.snapshot", snap)
	write(t, dir, "00000000000000000001.snapshot", []byte{0, 2})
	_, errOut, err = dump(t, Options{}, filepath.Join(dir, "00000000000000000000.snapshot"), filepath.Join(dir, "00000000000000000001.snapshot"))
	if err != nil || !strings.Contains(errOut, "Snapshot is corrupt (CRC is no longer valid)") || !strings.Contains(errOut, "Snapshot contained an unknown file version 2") {
		t.Errorf("Dump: %v\n%s", err, errOut)
	}
}

func TestOptionsValidated(t *testing.T) {
	var b bytes.Buffer
	if err := Dump(&b, &b, []string{"x.log"}, Options{OffsetsDecoder: true}); !errors.Is(err, ErrNotImplemented) {
		t.Errorf("--offsets-decoder: %v, want ErrNotImplemented", err)
	}
	if err := Dump(&b, &b, []string{"x.log"}, Options{MaxBytes: -1}); err == nil {
		t.Error("a negative max-bytes is accepted")
	}
	if err := Dump(&b, &b, nil, Options{}); err == nil {
		t.Error("no files is accepted")
	}
	if err := Dump(nil, &b, []string{"x.log"}, Options{}); err == nil {
		t.Error("a nil writer is accepted")
	}
}
