package broker

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// SCRAM credentials added with AlterUserScramCredentials are cluster
// metadata, as Kafka's UserScramCredentialRecord: after a restart from
// the data directory the user still authenticates and is still
// described, a deleted one stays deleted, and the file holds the salted
// keys, never the password.
func TestScramCredentialsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	c1 := saslCluster(t, DataDir(dir))
	adm := kadm.NewClient(plainClient(t, c1))
	ctx := context.Background()
	res, err := adm.AlterUserSCRAMs(ctx, nil, []kadm.UpsertSCRAM{
		{User: "carol", Mechanism: kadm.ScramSha512, Iterations: 8192, Password: "carol-pw"},
		{User: "erin", Mechanism: kadm.ScramSha256, Password: "erin-pw"},
	})
	if err != nil || res.AllFailed() {
		t.Fatalf("upsert: %v %v", res, err)
	}
	if res, err := adm.AlterUserSCRAMs(ctx, []kadm.DeleteSCRAM{{User: "erin", Mechanism: kadm.ScramSha256}}, nil); err != nil || res["erin"].Err != nil {
		t.Fatalf("delete erin: %v %v", res, err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, metadataFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"scram_credentials"`) || strings.Contains(string(raw), "carol-pw") {
		t.Fatalf("%s should hold carol's salted credential and not her password:\n%s", metadataFile, raw)
	}
	c1.Close()

	c2 := saslCluster(t, DataDir(dir))
	if err := roundTripRecord(t, c2, kgo.SeedBrokers(c2.ListenerAddrs("SASL")...),
		kgo.SASL(scram.Auth{User: "carol", Pass: "carol-pw"}.AsSha512Mechanism())); err != nil {
		t.Fatalf("carol after the restart: %v", err)
	}
	desc, err := kadm.NewClient(plainClient(t, c2)).DescribeUserSCRAMs(ctx, "carol", "erin")
	if err != nil {
		t.Fatal(err)
	}
	if d := desc["carol"]; d.Err != nil || len(d.CredInfos) != 1 || d.CredInfos[0].Iterations != 8192 || d.CredInfos[0].Mechanism != kadm.ScramSha512 {
		t.Errorf("carol described after the restart as %+v, want SCRAM-SHA-512 with 8192 iterations", d)
	}
	if d := desc["erin"]; d.Err != kerr.ResourceNotFound {
		t.Errorf("erin (deleted before the restart) described as %+v, want RESOURCE_NOT_FOUND", d)
	}
	if err := scramSHA256Login(t, ctx, c2, "erin", "erin-pw"); !errors.Is(err, kerr.SaslAuthenticationFailed) {
		t.Errorf("erin after the restart: %v, want SASL_AUTHENTICATION_FAILED", err)
	}
}

// A damaged credential in the metadata file stops the cluster at start
// with a reason, as a damaged topic does.
func TestScramCredentialsDamagedFile(t *testing.T) {
	dir := t.TempDir()
	c1 := saslCluster(t, DataDir(dir))
	c1.Close()
	path := filepath.Join(dir, metadataFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	damaged := strings.Replace(string(raw), `"iterations": 4096`, `"iterations": 10`, 1)
	if damaged == string(raw) {
		t.Fatalf("no stored iterations to damage in:\n%s", raw)
	}
	if err := os.WriteFile(path, []byte(damaged), 0o600); err != nil {
		t.Fatal(err)
	}
	if c, err := New(DataDir(dir)); err == nil {
		c.Close()
		t.Fatal("a cluster started from a SCRAM credential of 10 iterations")
	} else if !strings.Contains(err.Error(), "SCRAM credential") {
		t.Errorf("start error %q does not name the SCRAM credential", err)
	}
}

// plainClient is a franz-go client of the cluster's PLAINTEXT listener,
// closed with the test.
func plainClient(t *testing.T, c *Cluster) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}
