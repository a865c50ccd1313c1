package broker_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
)

// Clients appending to one topic's list config at the same time must all
// see their entry kept: each IncrementalAlterConfigs reads the topic's
// settings, edits them and writes them back, and one must not overwrite
// another's edit with the settings it read before (the cluster's
// alterConfigsMu, see LOCKING.md). Each client has its own connection,
// since one connection's requests are handled one at a time.
func TestIncrementalAlterConfigsConcurrentAppendsAllTakeEffect(t *testing.T) {
	const (
		clients = 8
		appends = 10 // per client
		key     = "leader.replication.throttled.replicas"
	)
	c := startAPICluster(t)
	adm := apiAdmin(t, c)
	if _, err := adm.CreateTopic(apiCtx(t), 1, 1, nil, "orders"); err != nil {
		t.Fatal(err)
	}
	start := make(chan struct{})
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	var want []string
	for i := range clients {
		cl := apiAdmin(t, c)
		var entries []string
		for j := range appends {
			entries = append(entries, fmt.Sprintf("%d:%d", i*appends+j, i+1))
		}
		want = append(want, entries...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for _, e := range entries {
				resps, err := cl.AlterTopicConfigs(apiCtx(t), []kadm.AlterConfig{{Op: kadm.AppendConfig, Name: key, Value: &e}}, "orders")
				if err == nil {
					err = resps[0].Err
				}
				if err != nil {
					errs <- fmt.Errorf("appending %s: %w", e, err)
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := strings.Split(topicNames(c)["orders"].Configs[key], ",")
	var lost []string
	for _, e := range want {
		if !slices.Contains(got, e) {
			lost = append(lost, e)
		}
	}
	if len(lost) > 0 || len(got) != len(want) {
		t.Fatalf("%s after %d clients appended %d entries each: %d entries, %d lost (%v): one append overwrote another's",
			key, clients, appends, len(got), len(lost), lost)
	}
}
