package broker

// Throttling, the step between handling a request and reading the next
// one, as Kafka's KafkaApis and ClientQuotaManager do it (KIP-13,
// KIP-124, KIP-219). With no client quota in the cluster it costs one
// atomic load per request.
//
// A Produce request's bytes count against producer_byte_rate; a Fetch
// response's bytes against consumer_byte_rate (consumers only), and a
// fetch asks for no more than the quota allows in ten windows; the time
// the handler took, on the cluster clock, against request_percentage.
// When a rate goes over its quota the response carries throttle_time_ms,
// and the connection is muted for that long: nothing more is read from it
// until the cluster clock has moved on. A response version whose client
// throttles itself (Produce v6+, Fetch v8+, ... KIP-219) goes out first;
// for an older one the broker waits, then answers. A throttled fetch is
// answered with no partitions and its bytes are not counted.
//
// request_percentage is measured on the cluster clock: on a manual clock,
// or in a synctest bubble, handling takes no time, so only a real clock
// (or a test that advances the clock inside a handler) ever reaches it.

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/gregorkafka/gregor/config"
	"github.com/gregorkafka/gregor/quota"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// brokerQuotas measures one broker's clients; each Kafka broker enforces
// quotas on its own.
type brokerQuotas struct {
	client   *quota.Manager // byte rates and request_percentage
	mutation *quota.Manager // controller_mutation_rate
}

func newBrokerQuotas(cfg *config.Broker) brokerQuotas {
	return brokerQuotas{
		client:   quota.NewManager(cfg.Int("quota.window.num"), int64(cfg.Int("quota.window.size.seconds"))*1000),
		mutation: quota.NewManager(cfg.Int("controller.quota.window.num"), int64(cfg.Int("controller.quota.window.size.seconds"))*1000),
	}
}

// throttle is how long, in milliseconds, a connection is muted after a
// request.
type throttle int64

// clientThrottles reports whether the response's version tells the
// client to wait by itself (KIP-219), so the response goes out first.
func clientThrottles(resp kmsg.Response) bool {
	if resp == nil {
		return true // an acks=0 produce: no response, the mute follows
	}
	tr, ok := resp.(kmsg.ThrottleResponse)
	if !ok {
		return false
	}
	_, after := tr.Throttle()
	return after
}

func (t throttle) before(resp kmsg.Response) bool { return t > 0 && !clientThrottles(resp) }
func (t throttle) after(resp kmsg.Response) bool  { return t > 0 && clientThrottles(resp) }

// mute stops handling the connection's requests for t on the cluster
// clock. It reports false when the connection closed meanwhile.
func (c *conn) mute(t throttle) bool {
	if err := c.waitOnClock(time.Duration(t) * time.Millisecond); err != nil {
		c.logClosed("connection closed while throttled")
		return false
	}
	return true
}

// quotaUser is the user a quota entity names for the request: the
// principal's name without its type (User:alice is user alice).
func quotaUser(r *request) string {
	p := r.principalName()
	if i := strings.IndexByte(p, ':'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func quotaClientID(r *request) string {
	if r.clientID == nil {
		return ""
	}
	return *r.clientID
}

// handleWithQuotas handles a request and measures it against the
// client's quotas, returning the response (with throttle_time_ms set)
// and how long to mute the connection.
func (c *conn) handleWithQuotas(f frame) (kmsg.Response, throttle, error) {
	qs := c.b.cluster.ctl.current().quotas
	if qs.Len() == 0 || f.req == nil {
		resp, err := c.handle(f)
		return resp, 0, err
	}
	r := f.req
	user, client := quotaUser(r), quotaClientID(r)
	m := c.b.quotas.client
	clk := c.b.cluster.clock
	timed := qs.Has(quota.RequestPercentage)
	var start time.Time
	if timed {
		start = clk.Now()
	}
	fetch := consumerFetch(r)
	if fetch != nil {
		if limit, ok := m.MaxInWindow(qs, quota.ConsumerByteRate, user, client); ok {
			fetch.MaxBytes = int32(min(float64(fetch.MaxBytes), limit))
			fetch.MinBytes = min(fetch.MinBytes, fetch.MaxBytes)
		}
	}
	mut := c.b.checkMutations(r, qs, user, client)
	resp, err := c.handle(f)
	if err != nil {
		return resp, 0, err
	}
	resp = mut.finish(resp)
	now := clk.Now()
	nowMs := now.UnixMilli()
	var requestT, bandwidthT int64
	produce, _ := r.body.(*kmsg.ProduceRequest)
	if timed && !(produce != nil && produce.Acks == 0) {
		pct := float64(now.Sub(start).Nanoseconds()) * 100 / float64(time.Second)
		requestT = m.Record(qs, quota.RequestPercentage, user, client, pct, nowMs)
	}
	switch {
	case produce != nil:
		bandwidthT = m.Record(qs, quota.ProducerByteRate, user, client, float64(r.size), nowMs)
	case fetch != nil && resp != nil && qs.Has(quota.ConsumerByteRate):
		size := float64(responseBytes(resp))
		bandwidthT = m.Record(qs, quota.ConsumerByteRate, user, client, size, nowMs)
		if max(bandwidthT, requestT) > 0 {
			m.Unrecord(qs, quota.ConsumerByteRate, user, client, size, nowMs)
			resp = throttledFetch(resp)
		}
	}
	t := min(max(requestT, bandwidthT, mut.throttleMs), math.MaxInt32)
	c.b.countThrottle(r.key, t)
	if t > 0 {
		if st, ok := resp.(kmsg.SetThrottleResponse); ok {
			st.SetThrottle(int32(t))
		}
	}
	return resp, throttle(t), nil
}

// consumerFetch returns the request if it is a consumer's Fetch, nil for
// any other request (a follower's fetch is not held to client quotas).
func consumerFetch(r *request) *kmsg.FetchRequest {
	f, ok := r.body.(*kmsg.FetchRequest)
	if !ok || f.ReplicaID >= 0 || (f.Version >= 15 && f.ReplicaState.ID >= 0) {
		return nil
	}
	return f
}

// responseBytes is the size of a response on the wire, as Kafka counts a
// fetch response against consumer_byte_rate (header and body).
func responseBytes(resp kmsg.Response) int {
	return len(encodeResponse(0, resp)) - 4
}

// throttledFetch is the answer to a throttled fetch: no error, no
// partitions, the same fetch session (Kafka's getThrottledResponse).
func throttledFetch(resp kmsg.Response) kmsg.Response {
	f, ok := resp.(*kmsg.FetchResponse)
	if !ok {
		return resp
	}
	out := kmsg.NewPtrFetchResponse()
	out.Version = f.Version
	out.SessionID = f.SessionID
	return out
}

// countThrottle records a request's throttle for ThrottleTimeMs.
func (b *Broker) countThrottle(key int16, ms int64) {
	rc := b.cluster.traffic.request(b.id, key)
	rc.throttled.Add(1)
	rc.throttleMs.Add(ms)
	if i := sort.SearchFloat64s(LatencyBucketsMs, float64(ms)); i < len(rc.throttleBuckets) {
		rc.throttleBuckets[i].Add(1)
	}
}
