package quota

import (
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

func str(s string) *string { return &s }

func set(t *testing.T, alts ...Alteration) *Set {
	t.Helper()
	s, errs := (*Set)(nil).Alter(alts)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("alteration %d: %v", i, err)
		}
	}
	return s
}

func put(key string, v float64, cs ...Component) Alteration {
	return Alteration{Entity: cs, Ops: []Op{{Key: key, Value: v}}}
}

func user(n *string) Component   { return Component{Type: User, Name: n} }
func client(n *string) Component { return Component{Type: ClientID, Name: n} }

// Reference: ClientQuotaManager's precedence list (KIP-55). Each level is
// added in turn, least specific first, and each addition must take over.
func TestResolvePrecedence(t *testing.T) {
	levels := []struct {
		alt  Alteration
		tags Tags
	}{
		{put(ProducerByteRate, 8, client(nil)), Tags{ClientID: "c"}},
		{put(ProducerByteRate, 7, client(str("c"))), Tags{ClientID: "c"}},
		{put(ProducerByteRate, 6, user(nil)), Tags{User: "u"}},
		{put(ProducerByteRate, 5, user(nil), client(nil)), Tags{"u", "c"}},
		{put(ProducerByteRate, 4, user(nil), client(str("c"))), Tags{"u", "c"}},
		{put(ProducerByteRate, 3, user(str("u"))), Tags{User: "u"}},
		{put(ProducerByteRate, 2, user(str("u")), client(nil)), Tags{"u", "c"}},
		{put(ProducerByteRate, 1, user(str("u")), client(str("c"))), Tags{"u", "c"}},
	}
	var alts []Alteration
	for i, l := range levels {
		alts = append(alts, l.alt)
		s := set(t, alts...)
		tags, limit, ok := s.Resolve(ProducerByteRate, "u", "c")
		if !ok || limit != float64(8-i) || tags != l.tags {
			t.Fatalf("with levels 8..%d: got %v %v %v, want limit %d tags %v", 8-i, tags, limit, ok, 8-i, l.tags)
		}
		if _, _, ok := s.Resolve(ConsumerByteRate, "u", "c"); ok {
			t.Fatalf("a producer quota applied to fetches")
		}
	}
	// Another user of client c falls through to the default user levels.
	s := set(t, alts...)
	if tags, limit, _ := s.Resolve(ProducerByteRate, "v", "c"); limit != 4 || tags != (Tags{"v", "c"}) {
		t.Fatalf("user v: %v %v", tags, limit)
	}
}

func TestAlterValidation(t *testing.T) {
	cases := []struct {
		name string
		alt  Alteration
		code *kerr.Error
		msg  string
	}{
		{"empty entity", Alteration{Ops: []Op{{Key: ProducerByteRate, Value: 1}}}, kerr.InvalidRequest, "Invalid empty client quota entity"},
		{"unknown type", put(ProducerByteRate, 1, Component{Type: "group", Name: str("g")}), kerr.InvalidRequest, "Unhandled client quota entity type: group"},
		{"empty name", put(ProducerByteRate, 1, user(str(""))), kerr.InvalidRequest, "Empty user not supported"},
		{"ip with user", put(ConnectionCreationRate, 1, user(str("a")), Component{Type: IP, Name: str("1.2.3.4")}), kerr.InvalidRequest, "IP entity shouldnot be combined"},
		{"bad ip", put(ConnectionCreationRate, 1, Component{Type: IP, Name: str("not an ip!")}), kerr.InvalidRequest, "not a valid IP"},
		{"ip key on user", put(ConnectionCreationRate, 1, user(str("a"))), kerr.InvalidRequest, "Invalid configuration key connection_creation_rate"},
		{"unknown key", put("bogus", 1, user(str("a"))), kerr.InvalidRequest, "Invalid configuration key bogus"},
		{"zero", put(ProducerByteRate, 0, user(str("a"))), kerr.InvalidRequest, "must be greater than 0"},
		{"fraction", put(ProducerByteRate, 1.5, user(str("a"))), kerr.InvalidRequest, "cannot be a fractional value"},
		{"int too large", put(ConnectionCreationRate, 1e10, Component{Type: IP, Name: str("1.2.3.4")}), kerr.InvalidRequest, "too large for an INT"},
		{"duplicate key", Alteration{Entity: []Component{user(str("a"))}, Ops: []Op{{Key: ProducerByteRate, Value: 1}, {Key: ProducerByteRate, Value: 2}}}, kerr.InvalidRequest, "Ignoring duplicate entity"},
	}
	for _, c := range cases {
		next, errs := (*Set)(nil).Alter([]Alteration{c.alt})
		if !errors.Is(errs[0], c.code) || !strings.Contains(errs[0].Error(), c.msg) {
			t.Errorf("%s: got %v, want %v containing %q", c.name, errs[0], c.code, c.msg)
		}
		if next.Len() != 0 {
			t.Errorf("%s: a refused alteration changed the quotas", c.name)
		}
	}
	// A type named twice keeps its last name, as in Kafka.
	if s := set(t, put(ProducerByteRate, 1, user(str("a")), user(str("b")))); s.values(Entity{User: str("b")})[ProducerByteRate] != 1 {
		t.Fatalf("the quota was not set on user b: %v", s.Entries())
	}
	// A fractional request_percentage is fine; so is removing what is not set.
	s := set(t, put(RequestPercentage, 12.5, user(str("a"))),
		Alteration{Entity: []Component{client(str("c"))}, Ops: []Op{{Key: ProducerByteRate, Remove: true}}})
	if s.Len() != 1 {
		t.Fatalf("got %d entities, want 1", s.Len())
	}
	// Removing the last value removes the entity.
	s, errs := s.Alter([]Alteration{{Entity: []Component{user(str("a"))}, Ops: []Op{{Key: RequestPercentage, Remove: true}}}})
	if errs[0] != nil || s.Len() != 0 || s.Has(RequestPercentage) {
		t.Fatalf("after removal: %v, %d entities, has %v", errs[0], s.Len(), s.Has(RequestPercentage))
	}
}

func TestDescribeMatching(t *testing.T) {
	s := set(t,
		put(ProducerByteRate, 1, user(str("alice"))),
		put(ProducerByteRate, 2, user(str("alice")), client(str("app"))),
		put(ProducerByteRate, 3, user(nil)),
		put(ProducerByteRate, 4, client(nil)),
		put(ConnectionCreationRate, 5, Component{Type: IP, Name: str("10.0.0.1")}),
	)
	got := func(f Filter) []float64 {
		t.Helper()
		es, err := s.Describe(f)
		if err != nil {
			t.Fatal(err)
		}
		var out []float64
		for _, e := range es {
			for _, v := range e.Values {
				out = append(out, v)
			}
		}
		return out
	}
	check := func(name string, f Filter, want ...float64) {
		t.Helper()
		g := got(f)
		if len(g) != len(want) {
			t.Fatalf("%s: got %v, want %v", name, g, want)
		}
		for i := range g {
			if g[i] != want[i] {
				t.Fatalf("%s: got %v, want %v", name, g, want)
			}
		}
	}
	check("everything", Filter{}, 3, 1, 2, 4, 5)
	check("strict, no components", Filter{Strict: true})
	check("exact alice", Filter{Components: []FilterComponent{{Type: User, Match: str("alice")}}}, 1, 2)
	check("exact alice, strict", Filter{Components: []FilterComponent{{Type: User, Match: str("alice")}}, Strict: true}, 1)
	check("default user", Filter{Components: []FilterComponent{{Type: User, MatchType: MatchDefault}}}, 3)
	check("any client-id", Filter{Components: []FilterComponent{{Type: ClientID, MatchType: MatchSpecified}}}, 2, 4)
	check("any client-id, strict", Filter{Components: []FilterComponent{{Type: ClientID, MatchType: MatchSpecified}}, Strict: true}, 4)
	check("any ip", Filter{Components: []FilterComponent{{Type: IP, MatchType: MatchSpecified}}}, 5)

	bad := []struct {
		f    Filter
		code *kerr.Error
	}{
		{Filter{Components: []FilterComponent{{Type: ""}}}, kerr.InvalidRequest},
		{Filter{Components: []FilterComponent{{Type: "group", MatchType: MatchSpecified}}}, kerr.UnsupportedVersion},
		{Filter{Components: []FilterComponent{{Type: User, MatchType: MatchSpecified}, {Type: User, MatchType: MatchDefault}}}, kerr.InvalidRequest},
		{Filter{Components: []FilterComponent{{Type: User}}}, kerr.InvalidRequest},
		{Filter{Components: []FilterComponent{{Type: User, MatchType: MatchDefault, Match: str("x")}}}, kerr.InvalidRequest},
		{Filter{Components: []FilterComponent{{Type: User, MatchType: 7}}}, kerr.InvalidRequest},
		{Filter{Components: []FilterComponent{{Type: IP, MatchType: MatchSpecified}, {Type: User, MatchType: MatchSpecified}}}, kerr.InvalidRequest},
	}
	for i, b := range bad {
		if _, err := s.Describe(b.f); !errors.Is(err, b.code) {
			t.Errorf("bad filter %d: got %v, want %v", i, err, b.code)
		}
	}
}

// A client sending 2x its quota is throttled for as long as it would take
// the rate to come back down: with ten windows' span padding the young
// rate, 20 units over 10 s against a limit of 1/s is 2/s, and the
// throttle is (2-1)/1 * 10 s.
func TestRateThrottle(t *testing.T) {
	r := NewRate(DefaultWindowNum, DefaultWindowSize)
	r.Record(20, 0)
	if got := r.PerSecond(0); got != 2 {
		t.Fatalf("rate %v, want 2", got)
	}
	if got := r.Throttle(1, 0); got != 10000 {
		t.Fatalf("throttle %d ms, want 10000", got)
	}
	// Within the quota, no throttle.
	if got := r.Throttle(3, 0); got != 0 {
		t.Fatalf("throttle %d ms, want 0", got)
	}
	// Eleven windows later the samples have expired.
	if got := r.PerSecond(11000); got != 0 {
		t.Fatalf("rate after the windows expired: %v", got)
	}
}

func TestTokenBucket(t *testing.T) {
	b := NewTokenBucket(DefaultWindowNum, DefaultWindowSize)
	// A limit of 2/s holds a burst of 22 credits.
	b.Record(30, 2, 0)
	if got := b.Throttle(2, 0); got != 4000 {
		t.Fatalf("throttle %d, want 4000 (8 credits owed at 2/s)", got)
	}
	if !b.Exceeded(2, 3000) || b.Exceeded(2, 4000) {
		t.Fatalf("the bucket should be in debt until 4 s")
	}
}

// What Entries returns is the caller's: changing it leaves the Set as it
// was.
func TestEntriesAreCopies(t *testing.T) {
	s := set(t, put(ProducerByteRate, 1, user(str("a"))))
	es := s.Entries()
	es[0].Values[ProducerByteRate] = 99
	*es[0].Entity[User] = "b"
	if _, limit, ok := s.Resolve(ProducerByteRate, "a", "c"); !ok || limit != 1 {
		t.Fatalf("the Set changed through Entries: %v %v", limit, ok)
	}
}
