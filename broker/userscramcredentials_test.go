package broker

import (
	"context"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// A user added with kadm's AlterUserSCRAMs (kafka-configs.sh's request)
// authenticates with SCRAM at once; describing shows its mechanisms and
// iterations; deleting it ends that.
func TestAlterUserScramCredentials(t *testing.T) {
	c := saslCluster(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	res, err := adm.AlterUserSCRAMs(ctx, nil, []kadm.UpsertSCRAM{{User: "carol", Mechanism: kadm.ScramSha256, Iterations: 8192, Password: "carol-pw"}})
	if err != nil || res.AllFailed() {
		t.Fatalf("upsert: %v %v", res, err)
	}
	if err := roundTripRecord(t, c, kgo.SeedBrokers(c.ListenerAddrs("SASL")...),
		kgo.SASL(scram.Auth{User: "carol", Pass: "carol-pw"}.AsSha256Mechanism())); err != nil {
		t.Fatalf("carol after the upsert: %v", err)
	}
	desc, err := adm.DescribeUserSCRAMs(ctx, "carol", "alice", "nobody")
	if err != nil {
		t.Fatal(err)
	}
	if d := desc["carol"]; d.Err != nil || len(d.CredInfos) != 1 || d.CredInfos[0].Iterations != 8192 || d.CredInfos[0].Mechanism != kadm.ScramSha256 {
		t.Errorf("carol described as %+v", d)
	}
	if d := desc["alice"]; d.Err != nil || len(d.CredInfos) != 2 {
		t.Errorf("alice (SASLUser) described as %+v, want SCRAM-SHA-256 and -512", d)
	}
	if d := desc["nobody"]; d.Err != kerr.ResourceNotFound {
		t.Errorf("unknown user: %v, want RESOURCE_NOT_FOUND", d.Err)
	}
	raw := kmsg.NewPtrAlterUserSCRAMCredentialsRequest()
	up := kmsg.NewAlterUserSCRAMCredentialsRequestUpsertion()
	up.Name, up.Mechanism, up.Iterations, up.Salt, up.SaltedPassword = "dave", 2, 100, []byte("salt"), []byte("salted")
	raw.Upsertions = append(raw.Upsertions, up)
	rawResp, err := raw.RequestWith(ctx, cl)
	if err != nil || len(rawResp.Results) != 1 || rawResp.Results[0].ErrorCode != kerr.UnacceptableCredential.Code {
		t.Errorf("100 iterations: %+v %v, want UNACCEPTABLE_CREDENTIAL", rawResp, err)
	}
	res, err = adm.AlterUserSCRAMs(ctx, []kadm.DeleteSCRAM{{User: "carol", Mechanism: kadm.ScramSha256}}, nil)
	if err != nil || res["carol"].Err != nil {
		t.Fatalf("delete: %v %v", res, err)
	}
	if err := scramSHA256Login(t, ctx, c, "carol", "carol-pw"); !errors.Is(err, kerr.SaslAuthenticationFailed) {
		t.Errorf("carol after her credential was deleted: %v, want SASL_AUTHENTICATION_FAILED", err)
	}
}

// scramSHA256Login sends one request over c's SASL listener as user with
// password by SCRAM-SHA-256, and returns how it went.
func scramSHA256Login(t *testing.T, ctx context.Context, c *Cluster, user, password string) error {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenerAddrs("SASL")...), kgo.RequestRetries(0),
		kgo.SASL(scram.Auth{User: user, Pass: password}.AsSha256Mechanism()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	_, err = kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
	return err
}
