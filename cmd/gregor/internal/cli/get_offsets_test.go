package cli

import (
	"context"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestGetOffsets(t *testing.T) {
	bs := startCluster(t, broker.Topic("clicks", 2, 1, nil), broker.Topic("views", 1, 1, nil))
	// Three records on clicks-0 at times 1000, 2000, 3000; one on clicks-1.
	base := time.UnixMilli(1000)
	var recs []*kgo.Record
	for i := range 3 {
		recs = append(recs, &kgo.Record{Topic: "clicks", Partition: 0, Timestamp: base.Add(time.Duration(i) * time.Second), Value: []byte("c")})
	}
	recs = append(recs, &kgo.Record{Topic: "clicks", Partition: 1, Timestamp: base, Value: []byte("c")})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := produceManual(ctx, bs, recs); err != nil {
		t.Fatal(err)
	}

	wantOutput(t, mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "clicks|views"),
		"clicks:0:3\nclicks:1:1\nviews:0:0\n")
	wantOutput(t, mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "clicks", "--time", "-2"),
		"clicks:0:0\nclicks:1:0\n")
	wantOutput(t, mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "clicks", "--partitions", "0", "--time", "2000"),
		"clicks:0:1\n")
	wantOutput(t, mustRun(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "clicks", "--partitions", "0", "--time", "-3"),
		"clicks:0:2\n")
	if r := gregorCmd(t, "", "get-offsets", "--bootstrap-server", bs, "--time", "yesterday"); r.code != exitUsage {
		t.Errorf("--time yesterday: exit %d, want 2", r.code)
	}
	if r := gregorCmd(t, "", "get-offsets", "--bootstrap-server", bs, "--topic", "nope"); r.code != exitError {
		t.Errorf("--topic nope: exit %d, want 1", r.code)
	}
}

// produceManual produces records to the partitions they name, with their
// own timestamps.
func produceManual(ctx context.Context, bs string, recs []*kgo.Record) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bs), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return err
	}
	defer cl.Close()
	return cl.ProduceSync(ctx, recs...).FirstErr()
}
