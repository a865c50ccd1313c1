package kafkaref

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path"
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
// reason. Lines starting with # are comments.
type allowList map[string]string

// match returns the allow-list keys that cover key.
func (al allowList) match(key string) []string {
	var keys []string
	for pattern := range al {
		if ok, _ := path.Match(pattern, key); ok || pattern == key {
			keys = append(keys, pattern)
		}
	}
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
// and logs the whole table.
func (al allowList) check(t *testing.T, path, prefix string, diffs []difference) {
	t.Helper()
	slices.SortFunc(diffs, func(a, b difference) int { return strings.Compare(a.key, b.key) })
	var table strings.Builder
	seen := map[string]bool{}
	for _, d := range diffs {
		mark := "listed"
		if patterns := al.match(d.key); len(patterns) > 0 {
			for _, p := range patterns {
				seen[p] = true
			}
		} else {
			mark = "NEW"
			t.Errorf("%s: kafka %s, gregor %s (not in %s)", d.key, d.kafka, d.gregor, path)
		}
		fmt.Fprintf(&table, "%-7s %-60s kafka=%-30s gregor=%s\n", mark, d.key, d.kafka, d.gregor)
	}
	for key := range al {
		if strings.HasPrefix(key, prefix) && !seen[key] {
			t.Errorf("%s is listed in %s but gregor now agrees with Kafka: remove the line", key, path)
		}
	}
	t.Logf("%d differences:\n%s", len(diffs), table.String())
}
