package broker

import (
	"fmt"

	"github.com/gregorkafka/gregor/quota"
)

// The cluster's client quotas live in the metadata image, as KRaft keeps
// them in __cluster_metadata (ClientQuotaRecord): the controller changes
// them (AlterClientQuotas), every broker reads the current image's set
// without a lock to answer DescribeClientQuotas and to throttle its
// clients, and they are saved in cluster-metadata.json, so they survive
// a restart.

// persistedQuota is one entity's quotas in cluster-metadata.json. A
// missing name (null) is the default entity of that type.
type persistedQuota struct {
	Entity map[string]*string `json:"entity"`
	Values map[string]float64 `json:"values"`
}

func persistQuotas(s *quota.Set) []persistedQuota {
	var out []persistedQuota
	for _, e := range s.Entries() {
		out = append(out, persistedQuota{Entity: e.Entity, Values: e.Values})
	}
	return out
}

// loadQuotas reads the saved quotas, refusing any AlterClientQuotas could
// not have set.
func loadQuotas(saved []persistedQuota) (*quota.Set, error) {
	entries := make([]quota.Entry, 0, len(saved))
	for _, p := range saved {
		entries = append(entries, quota.Entry{Entity: p.Entity, Values: p.Values})
	}
	return quota.Load(entries)
}

// alterQuotas applies quota alterations and returns one error per
// alteration; with validateOnly nothing changes.
func (ctl *controller) alterQuotas(alts []quota.Alteration, validateOnly bool) ([]error, error) {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	im := ctl.current()
	next, errs := im.quotas.Alter(alts)
	if validateOnly {
		return errs, nil
	}
	changed := 0
	for _, err := range errs {
		if err == nil {
			changed++
		}
	}
	if changed == 0 {
		return errs, nil
	}
	img := im.clone()
	img.quotas = next
	ctl.cluster.logger.Info("client quotas altered", "entities", changed, "now", fmt.Sprint(next.Len()))
	return errs, ctl.publish(img)
}

// ClientQuota is one entity's quotas, as DescribeClientQuotas returns
// them. Entity maps an entity type (quota.User, quota.ClientID,
// quota.IP) to a name, nil for the default entity.
type ClientQuota struct {
	Entity quota.Entity
	Values map[string]float64
}

// ClientQuotas returns every client quota set in the cluster, users
// first (see quota.Set.Entries).
func (c *Cluster) ClientQuotas() []ClientQuota {
	var out []ClientQuota
	for _, e := range c.ctl.current().quotas.Entries() {
		out = append(out, ClientQuota{Entity: e.Entity, Values: e.Values})
	}
	return out
}

// AlterClientQuotas changes client quotas as an AlterClientQuotas request
// would, without a client: it returns the first alteration's error, if
// any, after applying the valid ones. For example, to hold user alice to
// 1 MB/s of produce:
//
//	err := c.AlterClientQuotas(quota.Alteration{
//		Entity: []quota.Component{{Type: quota.User, Name: &alice}},
//		Ops:    []quota.Op{{Key: quota.ProducerByteRate, Value: 1 << 20}},
//	})
func (c *Cluster) AlterClientQuotas(alts ...quota.Alteration) error {
	errs, err := c.ctl.alterQuotas(alts, false)
	if err != nil {
		return err
	}
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
