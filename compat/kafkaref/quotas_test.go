package kafkaref

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/record"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// AlterClientQuotas and DescribeClientQuotas, good and bad, sent to Kafka
// 4.4 and to gregor: each entry's error code and message, and what every
// filter describes, must agree (KIP-546). Each alteration goes in a
// request of its own, because Kafka answers a request's entries in the
// order of a hash map.
func TestClientQuotaAPIsMatchKafka(t *testing.T) {
	ctx, k, g := startOwn(t, nil)

	s := kmsg.StringPtr
	type comp = kmsg.AlterClientQuotasRequestEntryEntity
	type op = kmsg.AlterClientQuotasRequestEntryOp
	alters := []struct {
		entity       []comp
		ops          []op
		validateOnly bool
	}{
		{[]comp{{Type: "user", Name: s("alice")}}, []op{{Key: "producer_byte_rate", Value: 1024}, {Key: "request_percentage", Value: 12.5}}, false},
		{[]comp{{Type: "user", Name: s("alice")}, {Type: "client-id"}}, []op{{Key: "consumer_byte_rate", Value: 2048}}, false},
		{[]comp{{Type: "user"}}, []op{{Key: "controller_mutation_rate", Value: 3}}, false},
		{[]comp{{Type: "client-id", Name: s("app")}}, []op{{Key: "producer_byte_rate", Value: 100}}, false},
		{[]comp{{Type: "ip", Name: s("127.0.0.1")}}, []op{{Key: "connection_creation_rate", Value: 10}}, false},
		{[]comp{{Type: "ip"}}, []op{{Key: "connection_creation_rate", Value: 20}}, false},
		{[]comp{{Type: "user", Name: s("carol")}}, []op{{Key: "producer_byte_rate", Value: 1}}, true},
		// Removing what is set, and what is not.
		{[]comp{{Type: "client-id", Name: s("app")}}, []op{{Key: "producer_byte_rate", Remove: true}}, false},
		{[]comp{{Type: "client-id", Name: s("nobody")}}, []op{{Key: "producer_byte_rate", Remove: true}}, false},
		// Refused.
		{nil, []op{{Key: "producer_byte_rate", Value: 1}}, false},
		{[]comp{{Type: "group", Name: s("g")}}, []op{{Key: "producer_byte_rate", Value: 1}}, false},
		{[]comp{{Type: "user", Name: s("")}}, []op{{Key: "producer_byte_rate", Value: 1}}, false},
		{[]comp{{Type: "user", Name: s("a")}, {Type: "user", Name: s("b")}}, []op{{Key: "producer_byte_rate", Value: 1}}, false},
		{[]comp{{Type: "user", Name: s("a")}, {Type: "ip", Name: s("127.0.0.1")}}, []op{{Key: "connection_creation_rate", Value: 1}}, false},
		{[]comp{{Type: "user", Name: s("a")}}, []op{{Key: "connection_creation_rate", Value: 1}}, false},
		{[]comp{{Type: "ip", Name: s("127.0.0.1")}}, []op{{Key: "producer_byte_rate", Value: 1}}, false},
		{[]comp{{Type: "user", Name: s("a")}}, []op{{Key: "bogus", Value: 1}}, false},
		{[]comp{{Type: "user", Name: s("a")}}, []op{{Key: "producer_byte_rate", Value: 0}}, false},
		{[]comp{{Type: "user", Name: s("a")}}, []op{{Key: "producer_byte_rate", Value: -5}}, false},
		{[]comp{{Type: "user", Name: s("a")}}, []op{{Key: "producer_byte_rate", Value: 1.5}}, false},
		{[]comp{{Type: "ip", Name: s("127.0.0.1")}}, []op{{Key: "connection_creation_rate", Value: 1e10}}, false},
		{[]comp{{Type: "user", Name: s("a")}}, []op{{Key: "producer_byte_rate", Value: 1}, {Key: "producer_byte_rate", Value: 2}}, false},
	}
	type fc = kmsg.DescribeClientQuotasRequestComponent
	describes := []struct {
		comps  []fc
		strict bool
	}{
		{nil, false},
		{nil, true},
		{[]fc{{EntityType: "user", MatchType: 0, Match: s("alice")}}, false},
		{[]fc{{EntityType: "user", MatchType: 0, Match: s("alice")}}, true},
		{[]fc{{EntityType: "user", MatchType: 1}}, false},
		{[]fc{{EntityType: "client-id", MatchType: 2}}, false},
		{[]fc{{EntityType: "client-id", MatchType: 2}}, true},
		{[]fc{{EntityType: "user", MatchType: 2}, {EntityType: "client-id", MatchType: 1}}, true},
		{[]fc{{EntityType: "ip", MatchType: 2}}, false},
		{[]fc{{EntityType: "ip", MatchType: 1}}, false},
		// Refused.
		{[]fc{{EntityType: "", MatchType: 2}}, false},
		{[]fc{{EntityType: "group", MatchType: 2}}, false},
		{[]fc{{EntityType: "user", MatchType: 2}, {EntityType: "user", MatchType: 1}}, false},
		{[]fc{{EntityType: "user", MatchType: 0}}, false},
		{[]fc{{EntityType: "user", MatchType: 1, Match: s("x")}}, false},
		{[]fc{{EntityType: "user", MatchType: 2, Match: s("x")}}, false},
		{[]fc{{EntityType: "user", MatchType: 7}}, false},
		{[]fc{{EntityType: "ip", MatchType: 2}, {EntityType: "user", MatchType: 2}}, false},
	}

	answers := func(addr string) []string {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		var out []string
		for i, a := range alters {
			req := kmsg.NewPtrAlterClientQuotasRequest()
			req.ValidateOnly = a.validateOnly
			e := kmsg.NewAlterClientQuotasRequestEntry()
			e.Entity, e.Ops = a.entity, a.ops
			req.Entries = append(req.Entries, e)
			resp, err := req.RequestWith(ctx, cl)
			if err != nil {
				t.Fatalf("AlterClientQuotas to %s: %v", addr, err)
			}
			for _, r := range resp.Entries {
				out = append(out, fmt.Sprintf("alter %d: code %d message %q", i, r.ErrorCode, deref(r.ErrorMessage)))
			}
		}
		for i, d := range describes {
			req := kmsg.NewPtrDescribeClientQuotasRequest()
			req.Components, req.Strict = d.comps, d.strict
			resp, err := req.RequestWith(ctx, cl)
			if err != nil {
				t.Fatalf("DescribeClientQuotas to %s: %v", addr, err)
			}
			var entries []string
			for _, e := range resp.Entries {
				var parts, values []string
				for _, c := range e.Entity {
					parts = append(parts, c.Type+"="+deref(c.Name))
				}
				for _, v := range e.Values {
					values = append(values, fmt.Sprintf("%s=%g", v.Key, v.Value))
				}
				sort.Strings(parts)
				sort.Strings(values)
				entries = append(entries, strings.Join(parts, ",")+": "+strings.Join(values, ","))
			}
			sort.Strings(entries)
			out = append(out, fmt.Sprintf("describe %d: code %d message %q entries null %v [%s]", i, resp.ErrorCode, deref(resp.ErrorMessage),
				resp.Entries == nil, strings.Join(entries, "; ")))
		}
		return out
	}
	sameLines(t, answers(k.Addr), answers(g.Addrs()[0]))
}

// The bytes a Produce costs against producer_byte_rate, and the
// throttle they earn, must be Kafka's: the first request of a client
// held to 1000 B/s meets a young window of ten seconds, so Kafka's
// throttle_time_ms is exactly the request's size in bytes minus 10000,
// and gregor's must be the same number for the same request.
func TestProduceThrottleMatchesKafka(t *testing.T) {
	ctx, k, g := startOwn(t, nil)
	batch, err := record.Build(record.BatchOptions{}, []record.Record{{Timestamp: time.Now().UnixMilli(), Value: []byte(strings.Repeat("q", 20000))}})
	if err != nil {
		t.Fatal(err)
	}
	pinned := kversion.Stable()
	pinned.SetMaxKeyVersion(int16(kmsg.Produce), 9)

	throttle := func(addr string) int32 {
		warm, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ClientID("warm"), kgo.MaxVersions(pinned))
		if err != nil {
			t.Fatal(err)
		}
		defer warm.Close()
		if _, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, warm); err != nil {
			t.Fatal(err)
		}
		s := &side{ctx: ctx, name: addr, broker: warm.Broker(1)}
		if _, err := s.broker.Request(ctx, createTopics(false, newTopic{name: "metered", partitions: 1, rf: 1})(s)); err != nil {
			t.Fatal(err)
		}
		waitTopics("metered")(s, nil)
		// A first produce without a quota, until the new partition is led.
		untilTrue(ctx, func() bool {
			resp, err := s.broker.Request(ctx, produce(-1, "metered", 0, batch)(s))
			if err != nil {
				t.Fatal(err)
			}
			return resp.(*kmsg.ProduceResponse).Topics[0].Partitions[0].ErrorCode == 0
		})
		alter := kmsg.NewPtrAlterClientQuotasRequest()
		e := kmsg.NewAlterClientQuotasRequestEntry()
		e.Entity = []kmsg.AlterClientQuotasRequestEntryEntity{{Type: "client-id", Name: kmsg.StringPtr("metered")}}
		e.Ops = []kmsg.AlterClientQuotasRequestEntryOp{{Key: "producer_byte_rate", Value: 1000}}
		alter.Entries = append(alter.Entries, e)
		if _, err := alter.RequestWith(ctx, warm); err != nil {
			t.Fatal(err)
		}
		metered, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ClientID("metered"), kgo.MaxVersions(pinned))
		if err != nil {
			t.Fatal(err)
		}
		defer metered.Close()
		// Kafka's brokers apply a quota a moment after its controller
		// commits it: produce until a throttle comes back.
		var th int32
		untilTrue(ctx, func() bool {
			resp, err := produce(-1, "metered", 0, batch)(s).(*kmsg.ProduceRequest).RequestWith(ctx, metered)
			if err != nil {
				t.Fatal(err)
			}
			th = resp.ThrottleMillis
			return th > 0
		})
		return th
	}
	want, got := throttle(k.Addr), throttle(g.Addrs()[0])
	if want != got || want <= 0 {
		t.Fatalf("throttle_time_ms for a %d-byte batch at 1000 B/s: Kafka %d, gregor %d", len(batch), want, got)
	}
	t.Logf("both throttle the first %d-byte batch for %d ms", len(batch), got)
}

// untilTrue calls f every 50 ms of wall time until it reports true or ctx
// ends: it waits on Kafka's process, as waitTopics does.
func untilTrue(ctx context.Context, f func() bool) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !f() {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// controller_mutation_rate (KIP-599) as Kafka's controller applies it:
// with a rate of 1 partition/s (a bucket of 11), CreateTopics v7 with
// topics of 10, 5 and 1 partitions creates the first two and refuses the
// third with THROTTLING_QUOTA_EXCEEDED, with a throttle, on both.
func TestControllerMutationQuotaMatchesKafka(t *testing.T) {
	ctx, k, g := startOwn(t, nil)
	pinned := kversion.Stable()
	pinned.SetMaxKeyVersion(int16(kmsg.CreateTopics), 7)

	answer := func(addr string) string {
		admin, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ClientID("admin"))
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		alter := kmsg.NewPtrAlterClientQuotasRequest()
		e := kmsg.NewAlterClientQuotasRequestEntry()
		e.Entity = []kmsg.AlterClientQuotasRequestEntryEntity{{Type: "client-id", Name: kmsg.StringPtr("creator")}}
		e.Ops = []kmsg.AlterClientQuotasRequestEntryOp{{Key: "controller_mutation_rate", Value: 1}}
		alter.Entries = append(alter.Entries, e)
		if _, err := alter.RequestWith(ctx, admin); err != nil {
			t.Fatal(err)
		}
		creator, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ClientID("creator"), kgo.MaxVersions(pinned), kgo.RequestRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		defer creator.Close()
		req := kmsg.NewPtrCreateTopicsRequest()
		req.TimeoutMillis = 30000
		for _, nt := range []newTopic{{name: "ten", partitions: 10, rf: 1}, {name: "five", partitions: 5, rf: 1}, {name: "one", partitions: 1, rf: 1}} {
			rt := kmsg.NewCreateTopicsRequestTopic()
			rt.Topic, rt.NumPartitions, rt.ReplicationFactor = nt.name, nt.partitions, nt.rf
			req.Topics = append(req.Topics, rt)
		}
		resp, err := req.RequestWith(ctx, creator)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, rt := range resp.Topics {
			codes = append(codes, fmt.Sprintf("%s=%d %q", rt.Topic, rt.ErrorCode, deref(rt.ErrorMessage)))
		}
		sort.Strings(codes)
		return fmt.Sprintf("throttled %v: %s", resp.ThrottleMillis > 0, strings.Join(codes, ", "))
	}
	want, got := answer(k.Addr), answer(g.Addrs()[0])
	if want != got {
		t.Fatalf("CreateTopics over controller_mutation_rate:\n Kafka: %s\ngregor: %s", want, got)
	}
	t.Logf("both: %s", got)
}
