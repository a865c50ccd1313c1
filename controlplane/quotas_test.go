package controlplane_test

import (
	"net/http/httptest"
	"testing"

	"github.com/gregorkafka/gregor"
	"github.com/gregorkafka/gregor/controlplane"
	"github.com/gregorkafka/gregor/quota"
)

// A quota set on a user's default client-id shows with a null
// client-id name.
func TestQuotasOverHTTP(t *testing.T) {
	c := gregor.Start(t)
	srv := httptest.NewServer(controlplane.Handler(c))
	t.Cleanup(srv.Close)
	alice := "alice"
	if err := c.AlterClientQuotas(quota.Alteration{Entity: []quota.Component{{Type: quota.User, Name: &alice}, {Type: quota.ClientID}},
		Ops: []quota.Op{{Key: quota.ProducerByteRate, Value: 1024}}}); err != nil {
		t.Fatal(err)
	}
	var got []controlplane.ClientQuota
	mustCall(t, "GET", srv.URL+"/v1/quotas", nil, &got)
	if len(got) != 1 || *got[0].Entity["user"] != "alice" || got[0].Entity["client-id"] != nil ||
		got[0].Values["producer_byte_rate"] != 1024 {
		t.Fatalf("GET /v1/quotas: %+v", got)
	}
	if _, ok := got[0].Entity["client-id"]; !ok {
		t.Fatal("the default client-id is missing from the entity")
	}
}
