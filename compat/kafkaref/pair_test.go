package kafkaref

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// pair is one gregor cluster and the reference Kafka, each with a client
// pinned to the same request versions: the highest that both serve, so
// that both sides answer the same question in the same shape.
type pair struct {
	ctx           context.Context
	gregor, kafka *kgo.Client
	versions      *kversion.Versions
}

func newPair(t *testing.T, opts ...broker.Option) *pair {
	t.Helper()
	k := needKafka(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	g := gregor.Start(t, opts...)
	gv, kv := apiVersions(t, ctx, g.Addrs()[0]), apiVersions(t, ctx, k.Addr)
	both := kversion.FromApiVersionsResponse(gv)
	kafkaV := kversion.FromApiVersionsResponse(kv)
	for key := range int16(kmsg.MaxKey + 1) {
		gmax, gok := both.LookupMaxKeyVersion(key)
		kmax, kok := kafkaV.LookupMaxKeyVersion(key)
		if !gok || !kok {
			both.SetMaxKeyVersion(key, -1)
			continue
		}
		both.SetMaxKeyVersion(key, min(gmax, kmax))
	}
	p := &pair{ctx: ctx, versions: both}
	p.gregor = p.client(t, g.Addrs()[0])
	p.kafka = p.client(t, k.Addr)
	return p
}

func (p *pair) client(t *testing.T, addr string) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.MaxVersions(p.versions), kgo.RequestRetries(0),
		// A broker that does not answer fails its step in seconds.
		kgo.RequestTimeoutOverhead(3*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func apiVersions(t *testing.T, ctx context.Context, addr string) *kmsg.ApiVersionsResponse {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	resp, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("ApiVersions to %s: %v", addr, err)
	}
	return resp
}

// allowList is a file of known differences, one a line:
//
//	<key> <reason...>
//
// where key has no spaces and may be a pattern (path.Match: "*" matches
// within one /-separated part), to list a family of configs with one
// reason. A key starting with "~" is a difference that Kafka shows only
// sometimes (it depends on the timing of Kafka's background work), so
// its absence is not reported. Lines starting with # are comments.
type allowList map[string]string

// sometimes are the allow-list keys marked with "~".
var sometimes = map[string]bool{}

// match returns the allow-list keys that cover key.
func (al allowList) match(key string) []string {
	var keys []string
	for pattern := range al {
		if ok, _ := path.Match(pattern, key); ok || pattern == key {
			keys = append(keys, pattern)
		}
	}
	slices.Sort(keys) // a difference is counted under the first, every run
	return keys
}

func readAllowList(t *testing.T, path string) allowList {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	al := allowList{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, reason, _ := strings.Cut(line, " ")
		if k, ok := strings.CutPrefix(key, "~"); ok {
			key = k
			sometimes[key] = true
		}
		if strings.TrimSpace(reason) == "" {
			t.Errorf("%s: %q has no reason", path, key)
		}
		al[key] = strings.TrimSpace(reason)
	}
	return al
}

// difference is one place where gregor and Kafka disagree.
type difference struct {
	key           string // what the allow list names
	kafka, gregor string
}

// check fails t for every difference not in the allow list and for every
// allowed difference (whose key starts with prefix) that did not happen,
// logs the whole table, and returns it in markdown, one row per line of
// the allow list, for docs/compatibility.md.
func (al allowList) check(t *testing.T, path, prefix string, diffs []difference) string {
	t.Helper()
	type row struct {
		n       int
		example difference
	}
	rows := map[string]*row{}
	slices.SortFunc(diffs, func(a, b difference) int { return strings.Compare(a.key, b.key) })
	var table strings.Builder
	seen := map[string]bool{}
	for _, d := range diffs {
		mark := "listed"
		if patterns := al.match(d.key); len(patterns) > 0 {
			for _, p := range patterns {
				seen[p] = true
			}
			r := rows[patterns[0]]
			if r == nil {
				r = &row{example: d}
				rows[patterns[0]] = r
			}
			r.n++
		} else {
			mark = "NEW"
			t.Errorf("%s: kafka %s, gregor %s (not in %s)", d.key, d.kafka, d.gregor, path)
		}
		fmt.Fprintf(&table, "%-7s %-60s kafka=%-30s gregor=%s\n", mark, d.key, d.kafka, d.gregor)
	}
	for key := range al {
		if strings.HasPrefix(key, prefix) && !seen[key] && !sometimes[key] {
			t.Errorf("%s is listed in %s but gregor now agrees with Kafka: remove the line", key, path)
		}
	}
	t.Logf("%d differences:\n%s", len(diffs), table.String())
	var md strings.Builder
	md.WriteString("| difference | fields | for example (Kafka / gregor) | why |\n| --- | --- | --- | --- |\n")
	for _, key := range slices.Sorted(maps.Keys(rows)) {
		r := rows[key]
		fmt.Fprintf(&md, "| `%s` | %d | `%s`: %s / %s | %s |\n", key, r.n, r.example.key,
			mdCell(r.example.kafka, 60), mdCell(r.example.gregor, 60), mdCell(al[key], 1000))
	}
	return md.String()
}

// volatileText are the parts of a value that change from run to run.
var volatileText = regexp.MustCompile(`127\.0\.0\.1:\d+|/tmp/[^,\s]*`)

func mdCell(s string, max int) string {
	s = volatileText.ReplaceAllString(s, "<address or directory>")
	if len(s) > max {
		s = s[:max-3] + "..."
	}
	return strings.ReplaceAll(s, "|", "\\|")
}
