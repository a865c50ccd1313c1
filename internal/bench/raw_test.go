package bench

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// rawBatchBytes is the size of the record batch each partition gets per
// request in BenchmarkProduceRaw.
const rawBatchBytes = 64 << 10

// BenchmarkProduceRaw is the broker's side of produce alone: one
// connection sends the same pre-encoded Produce request (acks=all, one
// 64 KiB batch per partition) and waits for each response before the
// next, as a producer with one request in flight does. No client library
// runs, so this is what the broker costs per request; MB/s counts record
// values. One op is one request.
func BenchmarkProduceRaw(b *testing.B) {
	for _, partitions := range []int32{1, 6} {
		for _, size := range []int{100, 1024} {
			name := fmt.Sprintf("partitions=%d/record=%s", partitions, sizeName(size))
			b.Run(name, func(b *testing.B) {
				forEachImpl(b, func(b *testing.B, im impl) { benchProduceRaw(b, im, partitions, size) })
			})
		}
	}
}

func benchProduceRaw(b *testing.B, im impl, partitions int32, size int) {
	const topic = "bench"
	addrs := mustStart(b, im, topic, partitions)
	nc, err := net.Dial("tcp", addrs[0])
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	perBatch := rawBatchBytes / size
	req, err := rawProduceRequest(topic, partitions, perBatch, size)
	if err != nil {
		b.Fatal(err)
	}
	var resp []byte
	roundTrip := func() {
		if _, err := nc.Write(req); err != nil {
			b.Fatal(err)
		}
		if resp, err = readFrame(nc, resp); err != nil {
			b.Fatal(err)
		}
	}
	roundTrip() // the first answer is checked; the rest are alike
	if err := checkProduceResponse(resp, partitions); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(partitions) * int64(perBatch*size))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := startCPU(b)
	for range b.N {
		roundTrip()
	}
	b.StopTimer()
	cpu.stop()
	if err := checkProduceResponse(resp, partitions); err != nil {
		b.Fatal(err)
	}
}

const rawProduceVersion = 9 // the first flexible version, served by both

// rawProduceRequest encodes a framed Produce request with one batch of n
// records of size bytes for each partition.
func rawProduceRequest(topic string, partitions int32, n, size int) ([]byte, error) {
	recs := make([]record.Record, n)
	now := time.Now().UnixMilli()
	for i := range recs {
		recs[i] = record.Record{Timestamp: now, Value: recordValue(size)}
	}
	batch, err := record.Build(record.BatchOptions{}, recs)
	if err != nil {
		return nil, err
	}
	req := kmsg.NewPtrProduceRequest()
	req.SetVersion(rawProduceVersion)
	req.Acks = -1
	req.TimeoutMillis = 30000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = topic
	for p := range partitions {
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Partition = p
		rp.Records = batch
		rt.Partitions = append(rt.Partitions, rp)
	}
	req.Topics = append(req.Topics, rt)
	return kmsg.NewRequestFormatter(kmsg.FormatterClientID("bench")).AppendRequest(nil, req, 1), nil
}

// readFrame reads one size-prefixed response into buf's storage.
func readFrame(r io.Reader, buf []byte) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint32(size[:]))
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err := io.ReadFull(r, buf)
	return buf, err
}

// checkProduceResponse decodes a framed-off Produce response (correlation
// id, the flexible header's tags, then the body) and requires every
// partition to have succeeded.
func checkProduceResponse(frame []byte, partitions int32) error {
	if len(frame) < 5 || !bytes.Equal(frame[4:5], []byte{0}) {
		return fmt.Errorf("short or tagged response header: % x", frame)
	}
	resp := kmsg.NewPtrProduceResponse()
	resp.SetVersion(rawProduceVersion)
	if err := resp.ReadFrom(frame[5:]); err != nil {
		return err
	}
	n := int32(0)
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if p.ErrorCode != 0 {
				return fmt.Errorf("partition %d: error code %d", p.Partition, p.ErrorCode)
			}
			n++
		}
	}
	if n != partitions {
		return fmt.Errorf("%d partitions answered, want %d", n, partitions)
	}
	return nil
}
