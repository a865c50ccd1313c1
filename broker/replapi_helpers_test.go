package broker_test

// Helpers for the replication tests that go through the protocol
// (leaderepochs_test.go, electleaders_test.go, idempotence_test.go, ...).

import (
	"slices"
	"testing"
	"time"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// replClient is a franz-go client for tests that move leadership around:
// kgo waits MetadataMinAge (5 s by default) between metadata refreshes and
// backs off before retries, so both are made short for the client to
// follow a new leader at once. Records go to the partition they name,
// with acks=all.
func replClient(t testing.TB, c *broker.Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	base := []kgo.Opt{
		kgo.MetadataMinAge(10 * time.Millisecond),
		kgo.RetryBackoffFn(func(int) time.Duration { return 10 * time.Millisecond }),
		manualPartitioner(), kgo.RequiredAcks(kgo.AllISRAcks()),
	}
	return apiClient(t, c, append(base, opts...)...)
}

// partitionInfo fails the test if the partition does not exist.
func partitionInfo(t testing.TB, c *broker.Cluster, topic string, p int32) broker.PartitionInfo {
	t.Helper()
	pi, err := c.Partition(topic, p)
	if err != nil {
		t.Fatal(err)
	}
	return pi
}

func mustDo(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// sendToLive issues a request to one broker. After that broker
// restarted, kgo's first request on its old connection fails (EOF) and is
// not retried by Broker.Request; the next attempt dials anew.
func sendToLive[Resp kmsg.Response](t testing.TB, cl *kgo.Client, id int32, req kmsg.Request) Resp {
	t.Helper()
	for attempt := 1; ; attempt++ {
		resp, err := cl.Broker(int(id)).Request(apiCtx(t), req)
		if err == nil {
			return resp.(Resp)
		}
		if attempt == 3 || !kgo.IsRetryableBrokerErr(err) {
			t.Fatalf("%s request to broker %d: %v", kmsg.NameForKey(req.Key()), id, err)
		}
	}
}

func sameSet(a, b []int32) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func without(ids []int32, drop int32) []int32 {
	return slices.DeleteFunc(slices.Clone(ids), func(id int32) bool { return id == drop })
}
