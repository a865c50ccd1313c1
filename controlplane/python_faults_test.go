package controlplane_test

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// testdata/faults.py injects and removes faults with Python's urllib;
// the fault it leaves refuses the producer's first Produce, which kgo
// retries.
func TestFaultsFromPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	c, url := faultServer(t)
	const id = "python-faults"
	out, err := exec.CommandContext(t.Context(), python, "testdata/faults.py", url, "t", id).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("faults.py: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got struct {
		Listed             bool   `json:"listed"`
		Kept               bool   `json:"kept"`
		SecondDeleteStatus int    `json:"second_delete_status"`
		BadStatus          int    `json:"bad_status"`
		BadError           string `json:"bad_error"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("faults.py printed %s: %v", out, err)
	}
	if !got.Listed || !got.Kept || got.SecondDeleteStatus != 404 || got.BadStatus != 400 || !strings.Contains(got.BadError, "Produse") {
		t.Fatalf("faults from Python: %+v", got)
	}

	cl := producer(t, c, id)
	if err := cl.ProduceSync(t.Context(), &kgo.Record{Value: []byte("a")}).FirstErr(); err != nil {
		t.Fatalf("producing: %v", err)
	}
	produces := c.Requests(func(r broker.RequestRecord) bool { return r.ClientID == id && r.API == kmsg.Produce })
	if len(produces) != 2 || !slices.Equal(produces[0].ErrorCodes, []int16{6}) || len(produces[1].ErrorCodes) != 0 {
		t.Fatalf("produce requests %+v, want one refused by the fault from Python, then the retry", produces)
	}
}
