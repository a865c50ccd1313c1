package security

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Credentials are the users a cluster authenticates: a password for
// PLAIN (Kafka's JAAS user_<name> entries) and SCRAM credentials per
// mechanism (what Kafka keeps in the cluster metadata, written by
// AlterUserScramCredentials: salt, iterations, stored key and server key,
// never the password). It is safe for concurrent use.
type Credentials struct {
	mu    sync.RWMutex
	plain map[string]string
	scram map[string]map[string]ScramCredential // mechanism → user → credential
}

// NewCredentials returns an empty set of users.
func NewCredentials() *Credentials {
	return &Credentials{plain: map[string]string{}, scram: map[string]map[string]ScramCredential{}}
}

// DefaultScramIterations is the iteration count gregor salts passwords
// with when the caller gives none: Kafka's minimum for SCRAM-SHA-256 and
// SCRAM-SHA-512, and what kafka-configs.sh uses by default.
const DefaultScramIterations = 4096

// AddUser lets name authenticate with password over PLAIN, SCRAM-SHA-256
// and SCRAM-SHA-512 (the SCRAM credentials are salted with a random salt
// and DefaultScramIterations).
func (c *Credentials) AddUser(name, password string) error {
	if name == "" {
		return errors.New("security: user name must not be empty")
	}
	if password == "" {
		return errors.New("security: password must not be empty")
	}
	creds := map[string]ScramCredential{}
	for _, m := range []string{MechanismSCRAMSHA256, MechanismSCRAMSHA512} {
		salt := make([]byte, 32)
		if _, err := rand.Read(salt); err != nil {
			return err
		}
		sc, err := NewScramCredential(m, password, salt, DefaultScramIterations)
		if err != nil {
			return err
		}
		creds[m] = sc
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.plain[name] = password
	for m, sc := range creds {
		c.setScramLocked(m, name, sc)
	}
	return nil
}

// SetScram stores a SCRAM credential of a user for one mechanism, as
// AlterUserScramCredentials' upsertion does.
func (c *Credentials) SetScram(mechanism, user string, sc ScramCredential) error {
	if _, err := scramHash(mechanism); err != nil {
		return err
	}
	if user == "" {
		return errors.New("security: user name must not be empty")
	}
	if err := sc.validate(mechanism); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setScramLocked(mechanism, user, sc)
	return nil
}

func (c *Credentials) setScramLocked(mechanism, user string, sc ScramCredential) {
	m := c.scram[mechanism]
	if m == nil {
		m = map[string]ScramCredential{}
		c.scram[mechanism] = m
	}
	m[user] = sc
}

// DeleteScram removes a user's SCRAM credential for one mechanism, as
// AlterUserScramCredentials' deletion does. It reports whether there was
// one.
func (c *Credentials) DeleteScram(mechanism, user string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.scram[mechanism][user]; !ok {
		return false
	}
	delete(c.scram[mechanism], user)
	return true
}

// Scram returns a user's SCRAM credential for a mechanism.
func (c *Credentials) Scram(mechanism, user string) (ScramCredential, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	sc, ok := c.scram[mechanism][user]
	return sc, ok
}

// ScramInfo is what DescribeUserScramCredentials tells about one
// credential: the mechanism and iterations, never the keys.
type ScramInfo struct {
	Mechanism  string
	Iterations int
}

// ScramUsers returns, per user with any SCRAM credential, its
// credentials' mechanisms and iterations, mechanisms in name order.
func (c *Credentials) ScramUsers() map[string][]ScramInfo {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := map[string][]ScramInfo{}
	mechs := make([]string, 0, len(c.scram))
	for m := range c.scram {
		mechs = append(mechs, m)
	}
	sort.Strings(mechs)
	for _, m := range mechs {
		for u, sc := range c.scram[m] {
			out[u] = append(out[u], ScramInfo{Mechanism: m, Iterations: sc.Iterations})
		}
	}
	return out
}

func (c *Credentials) plainPassword(user string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, ok := c.plain[user]
	return p, ok
}

func (sc ScramCredential) validate(mechanism string) error {
	if sc.Iterations < DefaultScramIterations || sc.Iterations > MaxScramIterations {
		return fmt.Errorf("security: %s iterations %d outside %d..%d", mechanism, sc.Iterations, DefaultScramIterations, MaxScramIterations)
	}
	if len(sc.Salt) == 0 || len(sc.StoredKey) == 0 || len(sc.ServerKey) == 0 {
		return errors.New("security: a SCRAM credential needs a salt, a stored key and a server key")
	}
	return nil
}

// ScramEntry is one stored SCRAM credential: what Kafka's
// UserScramCredentialRecord holds in the cluster metadata.
type ScramEntry struct {
	User       string
	Mechanism  string
	Credential ScramCredential
}

// ScramEntries returns every SCRAM credential, by mechanism and then
// user, for saving with the cluster metadata.
func (c *Credentials) ScramEntries() []ScramEntry {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []ScramEntry
	for m, users := range c.scram {
		for u, sc := range users {
			out = append(out, ScramEntry{User: u, Mechanism: m, Credential: sc})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Mechanism != out[j].Mechanism {
			return out[i].Mechanism < out[j].Mechanism
		}
		return out[i].User < out[j].User
	})
	return out
}
