package partition

import (
	"testing"

	"github.com/gregorkafka/gregor/clock"
	"github.com/gregorkafka/gregor/record"
	"github.com/gregorkafka/gregor/segment"
)

// Opening a replica of 20000 idempotent batches from 100 producers: after
// a crash the whole log is replayed (no snapshot beyond the last roll,
// which never happened); after a clean close the snapshot at the log end
// is loaded and nothing is replayed.
func BenchmarkOpenProducerState(b *testing.B) {
	build := func(b *testing.B) segment.Dir {
		dir := segment.MemoryDir()
		mc := clock.NewManual(testStart)
		p, err := Open(Options{Topic: "t", Index: 0, BrokerID: 1, Dir: dir, Config: DefaultConfig(), Clock: mc})
		if err != nil {
			b.Fatal(err)
		}
		p.ApplyState(State{Leader: 1, Replicas: []int32{1}, ISR: []int32{1}})
		for i := range 20000 {
			batch, err := record.Build(record.BatchOptions{HasProducer: true, ProducerID: int64(i % 100), BaseSequence: int32(i / 100)},
				[]record.Record{{Timestamp: clock.Millis(mc.Now()), Value: []byte("v")}})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := p.AppendAsLeader(batch, 1); err != nil {
				b.Fatal(err)
			}
		}
		p.Abandon()
		return dir
	}
	for _, clean := range []bool{false, true} {
		name := "after a crash"
		if clean {
			name = "after a clean close"
		}
		b.Run(name, func(b *testing.B) {
			dir := build(b)
			p, err := Open(Options{Topic: "t", Index: 0, BrokerID: 1, Dir: dir, Config: DefaultConfig(), Clock: clock.NewManual(testStart)})
			if err != nil {
				b.Fatal(err)
			}
			if clean {
				p.Close()
			} else {
				p.Abandon()
			}
			b.ResetTimer()
			for range b.N {
				p, err := Open(Options{Topic: "t", Index: 0, BrokerID: 1, Dir: dir, Config: DefaultConfig(), Clock: clock.NewManual(testStart)})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if clean {
					p.Close()
				} else {
					// Abandon leaves the open's own snapshot at the
					// log end: remove it so every open replays.
					p.Abandon()
					_ = dir.Remove(segment.FileName(20000, segment.SnapshotSuffix))
				}
				b.StartTimer()
			}
		})
	}
}
