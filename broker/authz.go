package broker

import (
	"log/slog"
	"reflect"

	"github.com/gregorkafka/gregor/acl"
	"github.com/gregorkafka/gregor/config"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Authorization: with authorizer.class.name set to Kafka's
// StandardAuthorizer (or the StandardAuthorizer option), every request is
// checked against the cluster's ACLs before its handler runs. Kafka's
// rules per API are one table, authRules (authz_rules.go), beside the
// dispatcher: a rule either denies the whole request with the API's
// authorization error, or takes out of it the topics, groups or
// resources the principal may not touch and puts them back into the
// response with their error (authz_filter.go), so handlers never see
// them. Without an authorizer nothing here runs: conn.handle calls the
// handler directly, and everything is allowed, as in Kafka without one.

// newAuthorizer reads the authorizer configs; nil means none.
func newAuthorizer(cfg *config.Broker) (*acl.Authorizer, error) {
	if cfg.String("authorizer.class.name") == "" {
		return nil, nil
	}
	return acl.NewAuthorizer(cfg.String("super.users"), cfg.Bool("allow.everyone.if.no.acl.found"))
}

// authz is one request's view of the authorizer: who asks, from where,
// and the ACLs of the image current when the request arrived.
type authz struct {
	a         *acl.Authorizer
	acls      *acl.Set
	im        *image
	principal string
	host      string
	key       int16        // the request's API, for the audit log
	log       *slog.Logger // the audit log (authz_audit.go)
}

// principalName is who sent the request, as Type:Name: the
// connection's principal (session.go), unless a test names principals
// by client id (SetTestPrincipals).
func (r *request) principalName() string {
	if f := r.broker.cluster.testPrincipal.Load(); f != nil && r.clientID != nil {
		if p := (*f)(*r.clientID); p != "" {
			return p
		}
	}
	return r.principal().String()
}

// authorizing wraps a handler with the API's authorization rule, or
// returns it unchanged when the cluster has no authorizer.
func (c *conn) authorizing(key int16, handle func(*request) (kmsg.Response, error)) func(*request) (kmsg.Response, error) {
	a := c.b.cluster.authorizer
	rule, ok := authRules[key]
	if a == nil || !ok || rule == nil {
		return handle
	}
	return func(r *request) (kmsg.Response, error) {
		im := c.b.cluster.ctl.current()
		z := &authz{a: a, acls: im.acls, im: im, principal: r.principalName(), host: r.session().ClientHost,
			key: r.key, log: c.b.logger}
		return rule(z, r, handle)
	}
}

// An authRule authorizes one request and runs the handler on what may
// proceed.
type authRule func(z *authz, r *request, handle func(*request) (kmsg.Response, error)) (kmsg.Response, error)

// topLevelError answers a request with one error code at the top of its
// response, as Kafka's getErrorResponse does for the group and
// transaction APIs.
func topLevelError(r *request, code int16) kmsg.Response {
	resp := r.body.ResponseKind()
	if d, ok := resp.(interface{ Default() }); ok {
		d.Default()
	}
	resp.SetVersion(r.version)
	if ec := reflect.ValueOf(resp).Elem().FieldByName("ErrorCode"); ec.IsValid() {
		ec.SetInt(int64(code))
	}
	return resp
}
