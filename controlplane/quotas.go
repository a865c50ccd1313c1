package controlplane

// GET /v1/quotas: the client quotas set in the cluster
// (broker.Cluster.ClientQuotas), as DescribeClientQuotas with an empty
// filter lists them. An entity part whose name is null is the default
// entity of its type.

import "net/http"

// ClientQuota is one entity's quotas as GET /v1/quotas shows it: entity
// maps "user", "client-id" or "ip" to a name, null for the default.
type ClientQuota struct {
	Entity map[string]*string `json:"entity"`
	Values map[string]float64 `json:"values"`
}

func (s *server) getQuotas(w http.ResponseWriter, _ *http.Request) {
	out := []ClientQuota{}
	for _, q := range s.c.ClientQuotas() {
		out = append(out, ClientQuota{Entity: q.Entity, Values: q.Values})
	}
	reply(w, out, nil)
}
