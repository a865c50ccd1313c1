package kafkaref

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/gregorkafka/gregor/broker"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// CreateAcls, DescribeAcls and DeleteAcls, good and bad, sent to a Kafka
// 4.4 running StandardAuthorizer and to gregor with its own: error codes
// and messages, and the bindings described and deleted, must agree. The
// connection is PLAINTEXT, so the client is User:ANONYMOUS, made a super
// user on both (Kafka's controller connection is ANONYMOUS too, and
// must be allowed).
func TestACLAPIsMatchKafka(t *testing.T) {
	auth := map[string]string{"authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer", "super.users": "User:ANONYMOUS"}
	ctx, k, g := startOwn(t, auth, broker.StandardAuthorizer("User:ANONYMOUS"))

	answers := func(addr string) []string {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		var out []string
		creation := func(mut func(*kmsg.CreateACLsRequestCreation)) kmsg.CreateACLsRequestCreation {
			c := kmsg.NewCreateACLsRequestCreation()
			c.ResourceType, c.ResourceName, c.ResourcePatternType = kmsg.ACLResourceTypeTopic, "orders", kmsg.ACLResourcePatternTypeLiteral
			c.Principal, c.Host, c.Operation, c.PermissionType = "User:alice", "*", kmsg.ACLOperationRead, kmsg.ACLPermissionTypeAllow
			mut(&c)
			return c
		}
		create := &kmsg.CreateACLsRequest{Creations: []kmsg.CreateACLsRequestCreation{
			creation(func(*kmsg.CreateACLsRequestCreation) {}),
			creation(func(c *kmsg.CreateACLsRequestCreation) {
				c.ResourceName, c.ResourcePatternType, c.Operation = "ord", kmsg.ACLResourcePatternTypePrefixed, kmsg.ACLOperationWrite
			}),
			creation(func(c *kmsg.CreateACLsRequestCreation) {
				c.ResourceType, c.ResourceName = kmsg.ACLResourceTypeCluster, "other"
			}),
			creation(func(c *kmsg.CreateACLsRequestCreation) { c.ResourcePatternType = kmsg.ACLResourcePatternTypeMatch }),
			creation(func(c *kmsg.CreateACLsRequestCreation) { c.Operation = kmsg.ACLOperationAny }),
			creation(func(c *kmsg.CreateACLsRequestCreation) { c.PermissionType = kmsg.ACLPermissionTypeAny }),
			creation(func(c *kmsg.CreateACLsRequestCreation) { c.ResourceType = kmsg.ACLResourceTypeAny }),
			creation(func(c *kmsg.CreateACLsRequestCreation) { c.ResourceName = "" }),
			creation(func(c *kmsg.CreateACLsRequestCreation) { c.Principal = "alice" }),
		}}
		// One creation per request: Kafka refuses a whole request in
		// which any creation has an ANY or MATCH code.
		for i, c := range create.Creations {
			one := &kmsg.CreateACLsRequest{Creations: []kmsg.CreateACLsRequestCreation{c}}
			resp, err := one.RequestWith(ctx, cl)
			if err != nil {
				t.Fatalf("CreateAcls to %s: %v", addr, err)
			}
			for _, r := range resp.Results {
				out = append(out, fmt.Sprintf("create %d: code %d message %q", i, r.ErrorCode, deref(r.ErrorMessage)))
			}
		}
		for _, f := range []kmsg.DescribeACLsRequest{
			{ResourceType: kmsg.ACLResourceTypeAny, ResourcePatternType: kmsg.ACLResourcePatternTypeAny, Operation: kmsg.ACLOperationAny, PermissionType: kmsg.ACLPermissionTypeAny},
			{ResourceType: kmsg.ACLResourceTypeTopic, ResourceName: kmsg.StringPtr("orders-eu"), ResourcePatternType: kmsg.ACLResourcePatternTypeMatch, Operation: kmsg.ACLOperationAny, PermissionType: kmsg.ACLPermissionTypeAny},
			{ResourceType: kmsg.ACLResourceTypeTopic, ResourcePatternType: kmsg.ACLResourcePatternTypeAny, Operation: kmsg.ACLOperationDescribe, PermissionType: kmsg.ACLPermissionTypeAny},
		} {
			d, err := f.RequestWith(ctx, cl)
			if err != nil {
				t.Fatalf("DescribeAcls to %s: %v", addr, err)
			}
			var bindings []string
			for _, r := range d.Resources {
				for _, a := range r.ACLs {
					bindings = append(bindings, fmt.Sprintf("%v:%v:%s %s %s %v %v", r.ResourceType, r.ResourcePatternType, r.ResourceName, a.Principal, a.Host, a.Operation, a.PermissionType))
				}
			}
			// Neither broker promises an order of the resources it
			// describes (Kafka's comes from hash maps).
			sort.Strings(bindings)
			out = append(out, fmt.Sprintf("describe %v %v %s: code %d [%s]", f.ResourceType, f.ResourcePatternType, deref(f.ResourceName), d.ErrorCode, strings.Join(bindings, "; ")))
		}
		del := kmsg.NewPtrDeleteACLsRequest()
		del.Filters = []kmsg.DeleteACLsRequestFilter{
			{ResourceType: kmsg.ACLResourceTypeTopic, ResourcePatternType: kmsg.ACLResourcePatternTypePrefixed, Operation: kmsg.ACLOperationAny, PermissionType: kmsg.ACLPermissionTypeAny},
			{ResourceType: kmsg.ACLResourceTypeAny, ResourcePatternType: kmsg.ACLResourcePatternTypeAny, Operation: kmsg.ACLOperationAny, PermissionType: kmsg.ACLPermissionTypeAny},
		}
		dr, err := del.RequestWith(ctx, cl)
		if err != nil {
			t.Fatalf("DeleteAcls to %s: %v", addr, err)
		}
		for i, r := range dr.Results {
			out = append(out, fmt.Sprintf("delete %d: code %d, %d deleted", i, r.ErrorCode, len(r.MatchingACLs)))
		}
		// Filters with an UNKNOWN part, each on a fresh connection.
		for _, req := range []kmsg.Request{
			&kmsg.DescribeACLsRequest{ResourceType: kmsg.ACLResourceTypeTopic, ResourcePatternType: kmsg.ACLResourcePatternTypeUnknown, Operation: kmsg.ACLOperationAny, PermissionType: kmsg.ACLPermissionTypeAny},
			&kmsg.DeleteACLsRequest{Filters: []kmsg.DeleteACLsRequestFilter{{ResourceType: kmsg.ACLResourceTypeTopic, ResourcePatternType: kmsg.ACLResourcePatternTypeUnknown, Operation: kmsg.ACLOperationAny, PermissionType: kmsg.ACLPermissionTypeAny}}},
		} {
			fresh, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RequestRetries(0))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := fresh.Request(ctx, req)
			switch {
			case err != nil:
				out = append(out, fmt.Sprintf("%s with an UNKNOWN filter: no answer", kmsg.NameForKey(req.Key())))
			case req.Key() == int16(kmsg.DescribeACLs):
				out = append(out, fmt.Sprintf("DescribeACLs with an UNKNOWN filter: code %d", resp.(*kmsg.DescribeACLsResponse).ErrorCode))
			default:
				out = append(out, fmt.Sprintf("DeleteACLs with an UNKNOWN filter: code %d", resp.(*kmsg.DeleteACLsResponse).Results[0].ErrorCode))
			}
			fresh.Close()
		}
		return out
	}
	sameLines(t, answers(k.Addr), answers(g.Addrs()[0]))
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
