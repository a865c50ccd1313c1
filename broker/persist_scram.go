package broker

import (
	"fmt"

	"github.com/gregorkafka/gregor/security"
)

// SCRAM credentials are cluster metadata in Kafka: AlterUserScramCredentials
// becomes a UserScramCredentialRecord (user, mechanism, salt, stored key,
// server key, iterations; never the password) in __cluster_metadata, so
// users survive restarts. gregor saves the same fields with the topics
// and ACLs in cluster-metadata.json, and loads them before the SASLUser
// options, which are applied again at every start and so win over what
// was stored for the same user.

// persistedScram is one credential in cluster-metadata.json; the byte
// fields are base64, as encoding/json writes them.
type persistedScram struct {
	User       string `json:"user"`
	Mechanism  string `json:"mechanism"`
	Salt       []byte `json:"salt"`
	StoredKey  []byte `json:"stored_key"`
	ServerKey  []byte `json:"server_key"`
	Iterations int    `json:"iterations"`
}

func persistScram(creds *security.Credentials) []persistedScram {
	var out []persistedScram
	for _, e := range creds.ScramEntries() {
		sc := e.Credential
		out = append(out, persistedScram{e.User, e.Mechanism, sc.Salt, sc.StoredKey, sc.ServerKey, sc.Iterations})
	}
	return out
}

// loadScram stores the saved credentials, refusing one the broker could
// not have written (SetScram checks the mechanism, iterations and keys).
func loadScram(creds *security.Credentials, saved []persistedScram) error {
	for _, p := range saved {
		sc := security.ScramCredential{Salt: p.Salt, StoredKey: p.StoredKey, ServerKey: p.ServerKey, Iterations: p.Iterations}
		if err := creds.SetScram(p.Mechanism, p.User, sc); err != nil {
			return fmt.Errorf("SCRAM credential of %q: %w", p.User, err)
		}
	}
	return nil
}

// alterScram runs change, which alters the cluster's SCRAM credentials,
// and saves the metadata with them, under the controller's lock, so
// that no save of the metadata catches a request's changes half made.
func (ctl *controller) alterScram(change func()) error {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	change()
	return ctl.cluster.saveMetadata(ctl.current())
}
