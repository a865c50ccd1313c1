package examples

import (
	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Request-history assertions: gregor records what each broker was asked
// (broker.Cluster.Requests), so a scenario can check a client's side of
// the conversation too. A real Kafka keeps no such history: these
// checks run on gregor only, and the rest of a scenario runs anywhere.

// lastSeq is the Seq of the newest request in g's history, 0 if none:
// requestsSince(g, lastSeq(g), ...) then returns what came after.
func lastSeq(g *broker.Cluster) int64 {
	all := g.Requests(nil)
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Seq
}

// requestsSince returns the requests of one API from one client (by
// client.id) recorded after seq.
func requestsSince(g *broker.Cluster, seq int64, clientID string, api kmsg.Key) []broker.RequestRecord {
	return g.Requests(func(r broker.RequestRecord) bool {
		return r.Seq > seq && r.ClientID == clientID && r.API == api
	})
}
