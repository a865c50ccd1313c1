package broker_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/IBM/sarama"
	"github.com/gregorkafka/gregor/broker"
	"github.com/gregorkafka/gregor/quota"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

func sp(s string) *string { return &s }

// describeAll prints every quota kadm describes, one "entity: values"
// line each, in the broker's order.
func describeAll(t *testing.T, adm *kadm.Client, strict bool, comps ...kadm.DescribeClientQuotaComponent) []string {
	t.Helper()
	qs, err := adm.DescribeClientQuotas(apiCtx(t), strict, comps)
	if err != nil {
		t.Fatalf("DescribeClientQuotas: %v", err)
	}
	var out []string
	for _, q := range qs {
		var vs []string
		for _, v := range q.Values {
			vs = append(vs, fmt.Sprintf("%s=%g", v.Key, v.Value))
		}
		out = append(out, q.Entity.String()+": "+strings.Join(vs, ","))
	}
	return out
}

// Reference: KIP-546. kadm sets quotas on a user, a user's default
// client-id and an ip, describes them with each match type, removes one
// and gets Kafka's INVALID_REQUEST for what Kafka refuses.
func TestClientQuotasKadm(t *testing.T) {
	c := startAPICluster(t)
	adm := apiAdmin(t, c)
	ctx := apiCtx(t)
	res, err := adm.AlterClientQuotas(ctx, []kadm.AlterClientQuotaEntry{
		{Entity: kadm.ClientQuotaEntity{{Type: "user", Name: sp("alice")}},
			Ops: []kadm.AlterClientQuotaOp{{Key: "producer_byte_rate", Value: 1024}, {Key: "request_percentage", Value: 12.5}}},
		{Entity: kadm.ClientQuotaEntity{{Type: "user", Name: sp("alice")}, {Type: "client-id"}},
			Ops: []kadm.AlterClientQuotaOp{{Key: "consumer_byte_rate", Value: 2048}}},
		{Entity: kadm.ClientQuotaEntity{{Type: "ip", Name: sp("127.0.0.1")}},
			Ops: []kadm.AlterClientQuotaOp{{Key: "connection_creation_rate", Value: 10}}},
		{Entity: kadm.ClientQuotaEntity{{Type: "client-id", Name: sp("app")}},
			Ops: []kadm.AlterClientQuotaOp{{Key: "producer_byte_rate", Value: 1.5}}},
		{Entity: kadm.ClientQuotaEntity{{Type: "user", Name: sp("bob")}},
			Ops: []kadm.AlterClientQuotaOp{{Key: "connection_creation_rate", Value: 1}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if res[i].Err != nil {
			t.Fatalf("entry %d: %v %s", i, res[i].Err, res[i].ErrMessage)
		}
	}
	if !errors.Is(res[3].Err, kerr.InvalidRequest) || res[3].ErrMessage != "producer_byte_rate cannot be a fractional value." ||
		!errors.Is(res[4].Err, kerr.InvalidRequest) || res[4].ErrMessage != "Invalid configuration key connection_creation_rate" {
		t.Fatalf("refused entries: %+v", res[3:])
	}

	all := describeAll(t, adm, false)
	wantAll := []string{
		"{user=alice}: producer_byte_rate=1024,request_percentage=12.5",
		"{user=alice, client-id=<default>}: consumer_byte_rate=2048",
		"{ip=127.0.0.1}: connection_creation_rate=10",
	}
	if !slices.Equal(all, wantAll) {
		t.Fatalf("describe all:\n got %q\nwant %q", all, wantAll)
	}
	alice := kadm.DescribeClientQuotaComponent{Type: "user", MatchName: sp("alice")}
	if got := describeAll(t, adm, true, alice); !slices.Equal(got, wantAll[:1]) {
		t.Fatalf("strict user=alice: %q", got)
	}
	if got := describeAll(t, adm, false, kadm.DescribeClientQuotaComponent{Type: "client-id", MatchType: kadm.QuotasMatchType(quota.MatchDefault)}); !slices.Equal(got, wantAll[1:2]) {
		t.Fatalf("default client-id: %q", got)
	}
	if got := describeAll(t, adm, false, kadm.DescribeClientQuotaComponent{Type: "ip", MatchType: kadm.QuotasMatchType(quota.MatchSpecified)}); !slices.Equal(got, wantAll[2:]) {
		t.Fatalf("any ip: %q", got)
	}
	_, err = adm.DescribeClientQuotas(ctx, false, []kadm.DescribeClientQuotaComponent{alice, {Type: "ip", MatchType: kadm.QuotasMatchType(quota.MatchSpecified)}})
	var em *kadm.ErrAndMessage
	if !errors.As(err, &em) || !errors.Is(em.Err, kerr.InvalidRequest) || !strings.Contains(em.ErrMessage, "IP filter component should not be used") {
		t.Fatalf("ip with user: got %v", err)
	}

	// validate_only changes nothing; a removal does.
	if _, err := adm.ValidateAlterClientQuotas(ctx, []kadm.AlterClientQuotaEntry{{Entity: kadm.ClientQuotaEntity{{Type: "user", Name: sp("carol")}},
		Ops: []kadm.AlterClientQuotaOp{{Key: "producer_byte_rate", Value: 1}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.AlterClientQuotas(ctx, []kadm.AlterClientQuotaEntry{{Entity: kadm.ClientQuotaEntity{{Type: "user", Name: sp("alice")}},
		Ops: []kadm.AlterClientQuotaOp{{Key: "request_percentage", Remove: true}}}}); err != nil {
		t.Fatal(err)
	}
	want2 := []string{"{user=alice}: producer_byte_rate=1024", wantAll[1], wantAll[2]}
	if got := describeAll(t, adm, false); !slices.Equal(got, want2) {
		t.Fatalf("after validate_only and removal:\n got %q\nwant %q", got, want2)
	}
	// The Go view says the same.
	if got := c.ClientQuotas(); len(got) != 3 || got[0].Values[quota.ProducerByteRate] != 1024 {
		t.Fatalf("Cluster.ClientQuotas: %+v", got)
	}
}

// Quotas are cluster metadata: they survive a restart from the data
// directory.
func TestClientQuotasSurviveRestart(t *testing.T) {
	c := startAPICluster(t, broker.DataDir(t.TempDir()))
	if err := c.AlterClientQuotas(quota.Alteration{Entity: []quota.Component{{Type: quota.User, Name: sp("alice")}, {Type: quota.ClientID}},
		Ops: []quota.Op{{Key: quota.ConsumerByteRate, Value: 4096}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.AlterClientQuotas(quota.Alteration{Entity: []quota.Component{{Type: quota.User, Name: sp("")}},
		Ops: []quota.Op{{Key: quota.ConsumerByteRate, Value: 1}}}); !errors.Is(err, kerr.InvalidRequest) {
		t.Fatalf("an empty user name: got %v, want INVALID_REQUEST", err)
	}
	c2, err := c.Restart()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c2.Close() })
	got := describeAll(t, kadm.NewClient(apiClient(t, c2)), false)
	if want := []string{"{user=alice, client-id=<default>}: consumer_byte_rate=4096"}; !slices.Equal(got, want) {
		t.Fatalf("after restart: %q", got)
	}
}

// Sarama's ClusterAdmin sets, describes and removes a client-id quota.
func TestClientQuotasSarama(t *testing.T) {
	c := startAPICluster(t)
	cfg := sarama.NewConfig()
	cfg.Version = sarama.V3_0_0_0
	admin, err := sarama.NewClusterAdmin(c.Addrs(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	entity := []sarama.QuotaEntityComponent{{EntityType: sarama.QuotaEntityClientID, MatchType: sarama.QuotaMatchExact, Name: "billing"}}
	if err := admin.AlterClientQuotas(entity, sarama.ClientQuotasOp{Key: "producer_byte_rate", Value: 5000}, false); err != nil {
		t.Fatal(err)
	}
	filter := []sarama.QuotaFilterComponent{{EntityType: sarama.QuotaEntityClientID, MatchType: sarama.QuotaMatchExact, Match: "billing"}}
	got, err := admin.DescribeClientQuotas(filter, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Values["producer_byte_rate"] != 5000 || got[0].Entity[0].Name != "billing" {
		t.Fatalf("described %+v", got)
	}
	err = admin.AlterClientQuotas(entity, sarama.ClientQuotasOp{Key: "producer_byte_rate", Value: -1}, false)
	// Sarama returns the error message alone when there is one.
	if err == nil || err.Error() != "Quota producer_byte_rate must be greater than 0" {
		t.Fatalf("a negative rate: got %v, want Kafka's message", err)
	}
	if err := admin.AlterClientQuotas(entity, sarama.ClientQuotasOp{Key: "producer_byte_rate", Remove: true}, false); err != nil {
		t.Fatal(err)
	}
	if got, err := admin.DescribeClientQuotas(filter, false); err != nil || len(got) != 0 {
		t.Fatalf("after removal: %+v, %v", got, err)
	}
}
