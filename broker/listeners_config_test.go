package broker

import (
	"context"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/security"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// DescribeConfigs shows a broker's listeners as Kafka writes them, and
// hides the value of a password config (ssl.key.password) as Kafka does.
func TestDescribeConfigsShowsListenersAndHidesSecrets(t *testing.T) {
	c := startConnTestCluster(t, Listener("SASL", security.SASLPlaintext), AdvertisedHost("localhost"),
		Config("ssl.key.password", "hunter2"), Config("sasl.enabled.mechanisms", "SCRAM-SHA-512"))
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	rcs, err := kadm.NewClient(cl).DescribeBrokerConfigs(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rcs.On("1", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*kadm.Config{}
	for i := range rc.Configs {
		cfg := rc.Configs[i]
		got[cfg.Key] = &cfg
	}
	sasl := c.Broker(1).ListenerAddr("SASL")
	if v := got["advertised.listeners"].MaybeValue(); v != "PLAINTEXT://"+c.Addrs()[0]+",SASL://"+sasl || !strings.HasPrefix(sasl, "localhost:") {
		t.Errorf("advertised.listeners = %q (SASL listener at %s)", v, sasl)
	}
	if v := got["listener.security.protocol.map"].MaybeValue(); v != "PLAINTEXT:PLAINTEXT,SASL:SASL_PLAINTEXT" {
		t.Errorf("listener.security.protocol.map = %q", v)
	}
	if v := got["sasl.enabled.mechanisms"].MaybeValue(); v != "SCRAM-SHA-512" {
		t.Errorf("sasl.enabled.mechanisms = %q", v)
	}
	if p := got["ssl.key.password"]; !p.Sensitive || p.Value != nil {
		t.Errorf("ssl.key.password described as sensitive=%v value=%v; want sensitive with a null value", p.Sensitive, p.MaybeValue())
	}
}
