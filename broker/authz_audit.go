package broker

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gregorkafka/gregor/acl"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The authorizer's audit log, as Kafka's StandardAuthorizer writes it to
// the kafka.authorizer.logger logger: every decision, in Kafka's words,
// with the rule that decided it:
//
//	Principal = User:bob is Denied operation = READ from host = 127.0.0.1
//	on resource = Topic:LITERAL:orders for request = Fetch with
//	resourceRefCount = 1 based on rule DefaultResult=DENIED
//
// A denial of something the client asked for by name is logged at INFO
// and an allowed action at DEBUG. What the broker only checks to filter
// a listing (Metadata for all topics, the cluster-wide fallbacks tried
// before a per-resource check) is logged denied at TRACE, and the
// checks behind authorized-operations fields at TRACE either way, as
// Kafka's logIfAllowed and logIfDenied flags have it. slog has no
// TRACE; it is levelTrace, below DEBUG. The records carry
// logger=kafka.authorizer.logger so a handler can route them apart.

const (
	authorizerLogger = "kafka.authorizer.logger"
	levelTrace       = slog.LevelDebug - 4
)

// decide asks the authorizer and logs the answer at the level the two
// flags give, building the message only when that level is enabled.
func (z *authz) decide(op acl.Operation, rt acl.ResourceType, name string, logIfAllowed, logIfDenied bool) bool {
	act := acl.Action{Principal: z.principal, Host: z.host, Op: op, Type: rt, Name: name}
	ok := z.a.Authorize(z.acls, act)
	level := levelTrace
	switch {
	case ok && logIfAllowed:
		level = slog.LevelDebug
	case !ok && logIfDenied:
		level = slog.LevelInfo
	}
	if z.log == nil || !z.log.Enabled(context.Background(), level) {
		return ok
	}
	d := z.a.Decide(z.acls, act)
	result := "Denied"
	if d.Allowed {
		result = "Allowed"
	}
	z.log.Log(context.Background(), level, fmt.Sprintf(
		"Principal = %s is %s operation = %s from host = %s on resource = %s:%s:%s for request = %s with resourceRefCount = 1 based on rule %s",
		z.principal, result, op, z.host, acl.ResourceTypeName(rt), acl.PatternLiteral, name, kmsg.NameForKey(z.key), d.Rule),
		"logger", authorizerLogger)
	return ok
}

// allowed is the check of a resource the request names.
func (z *authz) allowed(op acl.Operation, rt acl.ResourceType, name string) bool {
	return z.decide(op, rt, name, true, true)
}

// filtering is the check of a resource the request did not name: a
// denial only leaves it out, and is no news for the audit log.
func (z *authz) filtering(op acl.Operation, rt acl.ResourceType, name string) bool {
	return z.decide(op, rt, name, true, false)
}

func (z *authz) cluster(op acl.Operation) bool {
	return z.allowed(op, acl.ResourceCluster, acl.ClusterName)
}

// clusterFallback is a cluster-wide check tried before per-resource
// ones (CREATE on the cluster before CREATE on each topic).
func (z *authz) clusterFallback(op acl.Operation) bool {
	return z.filtering(op, acl.ResourceCluster, acl.ClusterName)
}

// ops is the authorized-operations bitfield of a resource: bit 1<<op
// for each operation of its type the principal may do.
func (z *authz) ops(rt acl.ResourceType, name string) int32 {
	var ops int32
	for _, op := range acl.Operations(rt) {
		if z.decide(op, rt, name, false, false) {
			ops |= 1 << op
		}
	}
	return ops
}
