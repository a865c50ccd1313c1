package examples

// Scenario 1 from outside the process: the tiny broker as a program, and
// kcat (librdkafka, the C client behind most non-JVM clients) talking to
// it: list metadata (-L), produce (-P), consume from the beginning (-C -o
// beginning -e). The test is skipped where kcat is not installed
// (apt-get install kcat).

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// kcat runs kcat with args and input, and returns its standard output.
func kcat(t *testing.T, input string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if slices.Contains(args, "-C") {
		// On exit a consumer waits for its last fetch, parked on the
		// broker for fetch.wait.max.ms (500ms by default, in real time).
		args = append(args, "-X", "fetch.wait.max.ms=10")
	}
	cmd := exec.CommandContext(ctx, "kcat", args...)
	cmd.Stdin = strings.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

func TestCompatKcat(t *testing.T) {
	if _, err := exec.LookPath("kcat"); err != nil {
		t.Skip("kcat is not installed (apt-get install kcat); skipping the librdkafka round trip")
	}
	addr, _ := runTinyBroker(t, "-topic", "hello:1:1", "-topic", "orders:3:1")

	t.Run("metadata", func(t *testing.T) {
		// kcat -b ADDR -L, as JSON.
		var md struct {
			Brokers []struct {
				ID   int32  `json:"id"`
				Name string `json:"name"`
			} `json:"brokers"`
			Topics []struct {
				Topic      string `json:"topic"`
				Partitions []struct {
					Partition int32 `json:"partition"`
					Leader    int32 `json:"leader"`
				} `json:"partitions"`
			} `json:"topics"`
		}
		out := kcat(t, "", "-b", addr, "-L", "-J")
		if err := json.Unmarshal([]byte(out), &md); err != nil {
			t.Fatalf("kcat -L -J printed %q: %v", out, err)
		}
		if len(md.Brokers) != 1 || md.Brokers[0].ID != 1 || md.Brokers[0].Name != addr {
			t.Fatalf("brokers %+v; want broker 1 at %s", md.Brokers, addr)
		}
		partitions := map[string]int{}
		for _, tp := range md.Topics {
			partitions[tp.Topic] = len(tp.Partitions)
			for _, p := range tp.Partitions {
				if p.Leader != 1 {
					t.Fatalf("%s-%d has leader %d, want 1", tp.Topic, p.Partition, p.Leader)
				}
			}
		}
		if partitions["hello"] != 1 || partitions["orders"] != 3 || len(partitions) != 2 {
			t.Fatalf("topics and partition counts %v; want hello:1 orders:3", partitions)
		}
	})

	t.Run("produce and consume", func(t *testing.T) {
		kcat(t, "hello kafka\nsecond line\n", "-b", addr, "-P", "-t", "hello")
		out := kcat(t, "", "-b", addr, "-C", "-t", "hello", "-o", "beginning", "-e", "-f", `%p %o %s\n`)
		if want := "0 0 hello kafka\n0 1 second line\n"; out != want {
			t.Fatalf("consumed\n%s\nwant\n%s", out, want)
		}
	})

	t.Run("keys and codecs", func(t *testing.T) {
		// One record per codec, keyed: librdkafka's default partitioner
		// for kcat is consistent_random (CRC32 of the key), not murmur2,
		// so only "same key, same partition" is asserted.
		codecs := []string{"none", "gzip", "snappy", "lz4", "zstd"}
		for _, z := range codecs {
			kcat(t, "order-7:"+z+" "+strings.Repeat("x", 200)+"\n", "-b", addr, "-P", "-t", "orders", "-K", ":", "-z", z)
		}
		out := kcat(t, "", "-b", addr, "-C", "-t", "orders", "-o", "beginning", "-e", "-f", `%p %k %s\n`)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != len(codecs) {
			t.Fatalf("consumed %d records, want %d:\n%s", len(lines), len(codecs), out)
		}
		var got []string
		for _, l := range lines {
			f := strings.SplitN(l, " ", 4)
			if len(f) != 4 || f[0] != strings.SplitN(lines[0], " ", 2)[0] || f[1] != "order-7" || f[3] != strings.Repeat("x", 200) {
				t.Fatalf("record %q: want key order-7 in one partition with its payload intact", l)
			}
			got = append(got, f[2])
		}
		if !slices.Equal(got, codecs) {
			t.Fatalf("records in order %v, want %v", got, codecs)
		}
	})
}
