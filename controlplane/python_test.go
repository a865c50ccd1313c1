package controlplane_test

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strconv"
	"testing"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/controlplane"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The control plane is for programs in any language: testdata/failover.py
// runs the failover of TestFailoverOverHTTP with Python's urllib.
func TestFailoverFromPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	c := gregor.Start(t, broker.Brokers(3), broker.Topic("payments", 1, 3, nil))
	url, err := c.ListenHTTP("127.0.0.1:0", controlplane.Handler(c))
	if err != nil {
		t.Fatal(err)
	}
	prod, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...), kgo.DefaultProduceTopic("payments"))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	const records = 12
	for i := range records {
		if err := prod.ProduceSync(t.Context(), &kgo.Record{Value: []byte(strconv.Itoa(i))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.CommandContext(t.Context(), python, "testdata/failover.py", url, "payments", strconv.Itoa(records)).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("failover.py: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got struct {
		OldLeader     int32   `json:"old_leader"`
		NewLeader     int32   `json:"new_leader"`
		ISR           []int32 `json:"isr"`
		LogEndOffsets []int64 `json:"log_end_offsets"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("failover.py printed %s: %v", out, err)
	}
	if got.NewLeader == got.OldLeader || !slices.Equal(got.ISR, []int32{1, 2, 3}) || !slices.Equal(got.LogEndOffsets, []int64{records, records, records}) {
		t.Fatalf("failover from Python: %+v", got)
	}
	t.Logf("from Python: leader %d → %d, ISR %v, log end offsets %v", got.OldLeader, got.NewLeader, got.ISR, got.LogEndOffsets)
}
