package security

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"hash"
	"strconv"
	"strings"
)

// SCRAM (RFC 5802, with SHA-256 and SHA-512 as RFC 7677 and Kafka's
// KIP-84 use them) proves that the client knows the password without
// sending it, and proves to the client that the server knows it too.
// The server keeps only what ScramCredential holds:
//
//	SaltedPassword = PBKDF2(password, salt, iterations)
//	ClientKey      = HMAC(SaltedPassword, "Client Key")
//	StoredKey      = H(ClientKey)
//	ServerKey      = HMAC(SaltedPassword, "Server Key")
//
// The exchange, two round trips of SaslAuthenticate:
//
//	client-first  n,,n=alice,r=<client nonce>
//	server-first  r=<client nonce><server nonce>,s=<salt>,i=4096
//	client-final  c=biws,r=<both nonces>,p=<ClientKey XOR HMAC(StoredKey, AuthMessage)>
//	server-final  v=<HMAC(ServerKey, AuthMessage)>
//
// where AuthMessage is client-first (without its "n,," header), then
// server-first, then client-final without its proof, joined by commas.

// MaxScramIterations is the most iterations Kafka accepts in
// AlterUserScramCredentials.
const MaxScramIterations = 16384

// ScramCredential is a user's stored SCRAM credential for one mechanism.
type ScramCredential struct {
	Salt       []byte
	StoredKey  []byte
	ServerKey  []byte
	Iterations int
}

func scramHash(mechanism string) (func() hash.Hash, error) {
	switch mechanism {
	case MechanismSCRAMSHA256:
		return sha256.New, nil
	case MechanismSCRAMSHA512:
		return sha512.New, nil
	}
	return nil, errors.New("security: unknown SCRAM mechanism " + mechanism)
}

// NewScramCredential derives the stored credential of password.
func NewScramCredential(mechanism, password string, salt []byte, iterations int) (ScramCredential, error) {
	h, err := scramHash(mechanism)
	if err != nil {
		return ScramCredential{}, err
	}
	if iterations < 1 {
		return ScramCredential{}, errors.New("security: SCRAM iterations must be positive")
	}
	salted, err := pbkdf2.Key(h, password, salt, iterations, h().Size())
	if err != nil {
		return ScramCredential{}, err
	}
	return ScramCredentialFromSalted(mechanism, salted, salt, iterations)
}

// ScramCredentialFromSalted derives the stored credential from a salted
// password, which is what AlterUserScramCredentials carries (the client
// salts; the password never reaches the broker).
func ScramCredentialFromSalted(mechanism string, salted, salt []byte, iterations int) (ScramCredential, error) {
	h, err := scramHash(mechanism)
	if err != nil {
		return ScramCredential{}, err
	}
	clientKey := hmacOf(h, salted, []byte("Client Key"))
	stored := h()
	stored.Write(clientKey)
	return ScramCredential{
		Salt:       append([]byte(nil), salt...),
		StoredKey:  stored.Sum(nil),
		ServerKey:  hmacOf(h, salted, []byte("Server Key")),
		Iterations: iterations,
	}, nil
}

func hmacOf(h func() hash.Hash, key, msg []byte) []byte {
	m := hmac.New(h, key)
	m.Write(msg)
	return m.Sum(nil)
}

// scramExchange is the server side of one SCRAM authentication.
type scramExchange struct {
	mech      string
	creds     *Credentials
	step      int
	user      string
	cred      ScramCredential
	gs2Header string
	nonce     string
	firstBare string
	srvFirst  string
	principal Principal
}

// Kafka's messages: the details stay in the broker's log, the client is
// told only that its credentials were wrong.
func (e *scramExchange) invalid() error {
	return &AuthenticationError{InvalidCredentials: true, Mechanism: e.mech}
}

func (e *scramExchange) Next(token []byte) ([]byte, bool, error) {
	switch e.step {
	case 0:
		e.step++
		return e.clientFirst(string(token))
	case 1:
		e.step++
		return e.clientFinal(string(token))
	}
	return nil, false, authFailed("Authentication failed: SCRAM exchange is already complete")
}

func (e *scramExchange) clientFirst(msg string) ([]byte, bool, error) {
	// gs2-header: "n,," (no channel binding), optionally "n,a=<authzid>,".
	parts := strings.SplitN(msg, ",", 3)
	if len(parts) != 3 || (parts[0] != "n" && parts[0] != "y") {
		return nil, false, e.invalid()
	}
	authzid := parts[1]
	e.gs2Header = parts[0] + "," + authzid + ","
	e.firstBare = parts[2]
	attrs := scramAttrs(e.firstBare)
	user, ok := unescapeScramName(attrs["n"])
	if !ok || user == "" || attrs["r"] == "" {
		return nil, false, e.invalid()
	}
	if authzid != "" && authzid != "a="+escapeScramName(user) {
		return nil, false, authFailed("Authentication failed: Client requested an authorization id that is different from username")
	}
	cred, found := e.creds.Scram(e.mech, user)
	if !found {
		return nil, false, authFailed("Authentication failed: Invalid user credentials")
	}
	nb := make([]byte, 18)
	if _, err := rand.Read(nb); err != nil {
		return nil, false, err
	}
	e.user, e.cred = user, cred
	e.nonce = attrs["r"] + base64.RawURLEncoding.EncodeToString(nb)
	e.srvFirst = "r=" + e.nonce + ",s=" + base64.StdEncoding.EncodeToString(cred.Salt) + ",i=" + strconv.Itoa(cred.Iterations)
	return []byte(e.srvFirst), false, nil
}

func (e *scramExchange) clientFinal(msg string) ([]byte, bool, error) {
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return nil, false, e.invalid()
	}
	withoutProof := msg[:i]
	attrs := scramAttrs(withoutProof)
	proof, err := base64.StdEncoding.DecodeString(msg[i+3:])
	if err != nil {
		return nil, false, e.invalid()
	}
	// Kafka's ScramSaslServer accepts a final nonce that ends with the
	// server's (not only one equal to it), and librdkafka relies on
	// that: it sends its client nonce again in front.
	if attrs["c"] != base64.StdEncoding.EncodeToString([]byte(e.gs2Header)) || !strings.HasSuffix(attrs["r"], e.nonce) {
		return nil, false, e.invalid()
	}
	h, _ := scramHash(e.mech)
	authMessage := []byte(e.firstBare + "," + e.srvFirst + "," + withoutProof)
	clientSig := hmacOf(h, e.cred.StoredKey, authMessage)
	if len(proof) != len(clientSig) {
		return nil, false, e.invalid()
	}
	clientKey := make([]byte, len(proof))
	for j := range proof {
		clientKey[j] = proof[j] ^ clientSig[j]
	}
	sum := h()
	sum.Write(clientKey)
	if subtle.ConstantTimeCompare(sum.Sum(nil), e.cred.StoredKey) != 1 {
		return nil, false, e.invalid()
	}
	e.principal = User(e.user)
	serverSig := hmacOf(h, e.cred.ServerKey, authMessage)
	return []byte("v=" + base64.StdEncoding.EncodeToString(serverSig)), true, nil
}

func (e *scramExchange) Principal() Principal { return e.principal }

// scramAttrs splits "k=v,k=v" into a map; the first of a repeated key wins.
func scramAttrs(s string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if _, seen := out[k]; !seen {
			out[k] = v
		}
	}
	return out
}

// SCRAM names escape "," as "=2C" and "=" as "=3D" (RFC 5802 section 5.1).
func unescapeScramName(s string) (string, bool) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			b.WriteByte(s[i])
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "=2C"):
			b.WriteByte(',')
		case strings.HasPrefix(s[i:], "=3D"):
			b.WriteByte('=')
		default:
			return "", false
		}
		i += 2
	}
	return b.String(), true
}

func escapeScramName(s string) string {
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}
