package kafkaref

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The same requests, with good and bad arguments, sent in the same order
// to Kafka and to gregor; their responses compared field by field once the
// fields that must differ are masked (see flatten_test.go). A step may
// remember something from its response (a member id, a topic id) for the
// steps after it, on each side separately.

const requestDifferences = "testdata/request-differences.txt"

// side is one broker under comparison, with what its earlier responses
// taught the steps.
type side struct {
	ctx      context.Context
	name     string // kafka or gregor
	broker   *kgo.Broker
	topicIDs map[string][16]byte
	members  map[string]string // member ids by a step's label

	fetchSessions map[string]int32 // fetch session ids by a step's label
}

// step is one request of the sequence.
type step struct {
	name string
	req  func(s *side) kmsg.Request
	// after, if set, reads the response (to remember ids).
	after func(s *side, resp kmsg.Response)
	// keep, if set, limits the comparison to the paths it accepts (to
	// leave out what other tests created on the shared Kafka).
	keep func(path string) bool
	// flat, if set, replaces the generic flattening.
	flat func(resp kmsg.Response) map[string]string
}

func TestRequestsAnswerAsKafkaDoes(t *testing.T) {
	p := newPair(t)
	al := readAllowList(t, requestDifferences)
	kafka := p.side(t, "kafka", p.kafka)
	gregor := p.side(t, "gregor", p.gregor)
	var diffs []difference
	steps := conformanceSteps()
	for _, st := range steps {
		kr, kerr := kafka.send(p, st)
		gr, gerr := gregor.send(p, st)
		if os.Getenv("KAFKAREF_DUMP") == st.name {
			t.Logf("%s\nkafka:  %v %v\ngregor: %v %v", st.name, kr, kerr, gr, gerr)
		}
		if kerr != nil || gerr != nil {
			if (kerr == nil) != (gerr == nil) {
				diffs = append(diffs, difference{st.name + "/transport", errString(kerr), errString(gerr)})
			}
			continue
		}
		kf, gf := st.flatten(kr), st.flatten(gr)
		if os.Getenv("KAFKAREF_DUMP") == st.name {
			t.Logf("%s\nkafka:  %v\ngregor: %v", st.name, kf, gf)
		}
		diffs = append(diffs, diffFlat(st.name, kf, gf)...)
	}
	table := al.check(t, requestDifferences, "", diffs)
	addSection(sectionRequests, fmt.Sprintf("%d requests (the steps in compat/kafkaref/*steps_test.go) sent in order to both brokers; %d fields differ.\n\n%s",
		len(steps), len(diffs), table))
}

func (p *pair) side(t *testing.T, name string, cl *kgo.Client) *side {
	t.Helper()
	// The client learns the broker's id from Metadata; both sides are
	// node 1.
	if _, err := kmsg.NewPtrMetadataRequest().RequestWith(p.ctx, cl); err != nil {
		t.Fatal(err)
	}
	return &side{ctx: p.ctx, name: name, broker: cl.Broker(1), topicIDs: map[string][16]byte{}, members: map[string]string{},
		fetchSessions: map[string]int32{}}
}

func (s *side) send(p *pair, st step) (kmsg.Response, error) {
	resp, err := s.broker.Request(p.ctx, st.req(s))
	if err == nil && st.after != nil {
		st.after(s, resp)
	}
	return resp, err
}

func (st step) flatten(resp kmsg.Response) map[string]string {
	var f map[string]string
	if st.flat != nil {
		f = st.flat(resp)
	} else {
		f = flatten(resp)
	}
	if st.keep != nil {
		for path := range f {
			if !st.keep(path) {
				delete(f, path)
			}
		}
	}
	return f
}

// waitTopics waits until the broker's metadata shows every topic with a
// leader for each partition: Kafka answers CreateTopics when its
// controller has committed the topic, a moment before the broker serves
// it (gregor serves it at once). The wait is on the other process.
func waitTopics(names ...string) func(*side, kmsg.Response) {
	return func(s *side, _ kmsg.Response) {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			resp, err := s.broker.Request(s.ctx, metadata(names, false)(s))
			if err == nil && allLed(resp.(*kmsg.MetadataResponse)) {
				return
			}
			select {
			case <-s.ctx.Done():
				return
			case <-tick.C:
			}
		}
	}
}

func allLed(m *kmsg.MetadataResponse) bool {
	for _, t := range m.Topics {
		if t.ErrorCode != 0 || len(t.Partitions) == 0 {
			return false
		}
		for _, p := range t.Partitions {
			if p.Leader < 0 {
				return false
			}
		}
	}
	return true
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return strings.ReplaceAll(err.Error(), " ", "_")
}

// onlyConformanceTopics keeps the paths that name no topic, or one of
// this test's topics.
func onlyConformanceTopics(path string) bool {
	i := strings.Index(path, "Topics(")
	if i < 0 {
		return true
	}
	return strings.HasPrefix(path[i+len("Topics("):], "conformance")
}

// apiVersionsFlat names each API key and its version range.
func apiVersionsFlat(resp kmsg.Response) map[string]string {
	r := resp.(*kmsg.ApiVersionsResponse)
	f := flatten(r)
	for path := range f {
		if strings.HasPrefix(path, "ApiKeys") {
			delete(f, path)
		}
	}
	for _, k := range r.ApiKeys {
		f["ApiKeys."+kmsg.NameForKey(k.ApiKey)] = fmt.Sprintf("%d-%d", k.MinVersion, k.MaxVersion)
	}
	return f
}
