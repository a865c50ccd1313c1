package quota

// Tags name the clients that share one measured rate, as Kafka's quota
// metric tags: a user, a client-id, or both; "" where the quota does not
// distinguish.
type Tags struct {
	User     string
	ClientID string
}

// Resolve finds the quota a request from user with clientID is held to
// for key, following Kafka's precedence (see the package doc), and the
// tags of the rate it shares. ok is false when no entity sets key for
// this client.
func (s *Set) Resolve(key, user, clientID string) (tags Tags, limit float64, ok bool) {
	if !s.Has(key) {
		return Tags{}, 0, false
	}
	u, c := &user, &clientID
	both, userOnly, clientOnly := Tags{user, clientID}, Tags{User: user}, Tags{ClientID: clientID}
	levels := []struct {
		e    Entity
		tags Tags
	}{
		{Entity{User: u, ClientID: c}, both},
		{Entity{User: u, ClientID: nil}, both},
		{Entity{User: u}, userOnly},
		{Entity{User: nil, ClientID: c}, both},
		{Entity{User: nil, ClientID: nil}, both},
		{Entity{User: nil}, userOnly},
		{Entity{ClientID: c}, clientOnly},
		{Entity{ClientID: nil}, clientOnly},
	}
	for _, l := range levels {
		if v, found := s.values(l.e)[key]; found {
			return l.tags, v, true
		}
	}
	return Tags{}, 0, false
}

// ResolveIP finds the connection_creation_rate for connections from ip:
// the ip's own quota, else the default ip's (Kafka's ConnectionQuotas).
// ok is false when neither is set.
func (s *Set) ResolveIP(ip string) (limit float64, ok bool) {
	if !s.Has(ConnectionCreationRate) {
		return 0, false
	}
	if v, found := s.values(Entity{IP: &ip})[ConnectionCreationRate]; found {
		return v, true
	}
	v, found := s.values(Entity{IP: nil})[ConnectionCreationRate]
	return v, found
}
