package broker_test

import (
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// What authorization costs a produce and a fetch: with no authorizer
// (the default, where conn.handle calls the handler directly), with the
// StandardAuthorizer and a super user, and with one ACL to match.
//
//	go test ./broker -run '^$' -bench Authorizer -benchtime 2000x
func BenchmarkAuthorizer(b *testing.B) {
	setups := []struct {
		name string
		opts []broker.Option
		user string
	}{
		{"none", nil, "anyone"},
		{"super-user", []broker.Option{broker.StandardAuthorizer("User:admin")}, "admin"},
		{"acl", []broker.Option{broker.StandardAuthorizer("User:admin")}, "alice"},
	}
	for _, s := range setups {
		b.Run(s.name, func(b *testing.B) {
			c := startAPICluster(b, append(s.opts, broker.Topic("t", 1, 1, nil))...)
			broker.SetTestPrincipals(c, func(id string) string { return "User:" + id })
			if s.user == "alice" {
				adm := kadm.NewClient(apiClient(b, c, kgo.ClientID("admin")))
				if _, err := adm.CreateACLs(apiCtx(b), kadm.NewACLs().Allow("User:alice").Topics("t").Operations(kadm.OpWrite, kadm.OpRead)); err != nil {
					b.Fatal(err)
				}
			}
			cl := apiClient(b, c, kgo.ClientID(s.user), kgo.DisableIdempotentWrite(), manualPartitioner())
			fetcher := pinnedClient(b, c, int16(kmsg.Fetch), 12, kgo.ClientID(s.user)) // by topic name
			fetch := kmsg.NewPtrFetchRequest()
			fetch.ReplicaID, fetch.MaxBytes = -1, 1<<20
			ft := kmsg.NewFetchRequestTopic()
			ft.Topic = "t"
			fp := kmsg.NewFetchRequestTopicPartition()
			fp.PartitionMaxBytes = 1 << 16
			ft.Partitions = append(ft.Partitions, fp)
			fetch.Topics = append(fetch.Topics, ft)
			b.ResetTimer()
			for range b.N {
				if err := cl.ProduceSync(apiCtx(b), &kgo.Record{Topic: "t", Value: []byte("v")}).FirstErr(); err != nil {
					b.Fatal(err)
				}
				resp, err := fetcher.Broker(1).Request(apiCtx(b), fetch)
				if err != nil || resp.(*kmsg.FetchResponse).Topics[0].Partitions[0].ErrorCode != 0 {
					b.Fatalf("fetch: %v %+v", err, resp)
				}
			}
		})
	}
}
