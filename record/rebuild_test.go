package record

import "testing"

// A rebuilt batch keeps its base and last offsets, producer fields, leader
// epoch, codec and each kept record's offset and timestamp; the removed
// records leave a gap. With a delete horizon the batch is flagged and the
// horizon is its base timestamp, yet record timestamps are unchanged.
func TestRebuildKeepsBatchIdentity(t *testing.T) {
	for _, c := range []Compression{None, Gzip, Zstd} {
		recs := []Record{
			{Timestamp: 1000, Key: []byte("a"), Value: []byte("1")},
			{Timestamp: 1001, Key: []byte("b"), Value: []byte("2")},
			{Timestamp: 1002, Key: []byte("a"), Value: nil},
			{Timestamp: 1003, Key: []byte("c"), Value: []byte("4")},
		}
		b, err := Build(BatchOptions{BaseOffset: 40, PartitionLeaderEpoch: 3, Compression: c,
			HasProducer: true, ProducerID: 7, ProducerEpoch: 2, BaseSequence: 11}, recs)
		if err != nil {
			t.Fatal(err)
		}
		h, err := Check(b)
		if err != nil {
			t.Fatal(err)
		}
		all, _ := Records(b)
		for _, horizon := range []int64{-1, 5000} {
			nb, err := Rebuild(h, []Record{all[1], all[2]}, horizon)
			if err != nil {
				t.Fatal(err)
			}
			nh, err := Check(nb)
			if err != nil {
				t.Fatalf("%v: rebuilt batch fails its checks: %v", c, err)
			}
			if nh.BaseOffset != 40 || nh.LastOffset() != 43 || nh.ProducerID != 7 || nh.ProducerEpoch != 2 || nh.BaseSequence != 11 ||
				nh.PartitionLeaderEpoch != 3 || nh.Compression() != c || nh.NumRecords != 2 || nh.MaxTimestamp != 1002 {
				t.Fatalf("%v: rebuilt header %+v", c, nh)
			}
			if got, ok := nh.DeleteHorizon(); ok != (horizon >= 0) || (ok && got != horizon) {
				t.Fatalf("%v: delete horizon %d %v, want %d", c, got, ok, horizon)
			}
			kept, err := Records(nb)
			if err != nil {
				t.Fatal(err)
			}
			if len(kept) != 2 || kept[0].Offset != 41 || kept[1].Offset != 42 || kept[0].Timestamp != 1001 || kept[1].Timestamp != 1002 ||
				string(kept[0].Key) != "b" || kept[1].Value != nil {
				t.Fatalf("%v: kept records %+v", c, kept)
			}
		}
		empty, err := Rebuild(h, nil, -1)
		if err != nil {
			t.Fatal(err)
		}
		if eh, err := Check(empty); err != nil || eh.NumRecords != 0 || eh.LastOffset() != 43 || eh.BaseSequence != 11 {
			t.Fatalf("%v: empty batch %+v %v", c, eh, err)
		}
		if _, err := Rebuild(h, []Record{all[2], all[1]}, -1); err == nil {
			t.Fatal("records out of order accepted")
		}
	}
}
