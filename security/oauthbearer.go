package security

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// MechanismOAuthBearer is SASL/OAUTHBEARER (RFC 7628, KIP-255).
const MechanismOAuthBearer = "OAUTHBEARER"

// OAUTHBEARER with Kafka's unsecured validator
// (OAuthBearerUnsecuredValidatorCallbackHandler), meant for tests: the
// token is an unsigned JWT (header {"alg":"none"}, an empty signature)
// whose "sub" claim names the principal and whose "exp" claim (seconds
// since the epoch) must lie in the future. The client's one message:
//
//	n,,\x01auth=Bearer <header>.<claims>.\x01\x01
//
// A token that fails validation is answered with an error challenge,
// {"status":"invalid_token"}; the client acknowledges it with a single
// \x01, and the authentication fails with that JSON as the message, as
// Kafka's OAuthBearerSaslServer does.
type oauthExchange struct {
	now       func() time.Time
	principal Principal
	expires   time.Time
	failure   string
}

func (e *oauthExchange) Next(token []byte) ([]byte, bool, error) {
	if e.failure != "" {
		if len(token) == 1 && token[0] == 0x01 {
			return nil, false, authFailed(e.failure)
		}
		return nil, false, authFailed("Authentication failed: Received x01 after authentication failure")
	}
	sub, exp, err := e.validate(token)
	if err != nil {
		e.failure = `{"status":"invalid_token"}`
		return []byte(e.failure), false, nil
	}
	e.principal, e.expires = User(sub), exp
	return nil, true, nil
}

func (e *oauthExchange) Principal() Principal { return e.principal }

// Expires is when the token's lifetime ends: the session cannot outlive it.
func (e *oauthExchange) Expires() time.Time { return e.expires }

func (e *oauthExchange) validate(msg []byte) (string, time.Time, error) {
	// gs2 header, then \x01-separated key=value pairs, ending \x01\x01.
	parts := bytes.Split(msg, []byte{0x01})
	if len(parts) < 3 || !bytes.HasPrefix(parts[0], []byte("n,")) || len(parts[len(parts)-1]) != 0 || len(parts[len(parts)-2]) != 0 {
		return "", time.Time{}, fmt.Errorf("invalid OAUTHBEARER client message")
	}
	var bearer string
	for _, kv := range parts[1 : len(parts)-2] {
		if v, ok := bytes.CutPrefix(kv, []byte("auth=Bearer ")); ok {
			bearer = string(v)
		}
	}
	segs := strings.Split(bearer, ".")
	if len(segs) != 3 || segs[2] != "" {
		return "", time.Time{}, fmt.Errorf("not an unsecured JWS")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var claims map[string]any
	if err := decodeJWTPart(segs[0], &header); err != nil || header.Alg != "none" {
		return "", time.Time{}, fmt.Errorf("unsecured JWS header must say alg none")
	}
	if err := decodeJWTPart(segs[1], &claims); err != nil {
		return "", time.Time{}, err
	}
	sub, _ := claims["sub"].(string)
	exp, ok := claims["exp"].(float64)
	if strings.TrimSpace(sub) == "" || !ok || math.IsNaN(exp) || math.IsInf(exp, 0) || exp > 1e15 || exp < 0 {
		return "", time.Time{}, fmt.Errorf("token needs a sub and a numeric exp claim")
	}
	expires := time.UnixMilli(int64(exp * 1000))
	if !e.now().Before(expires) {
		return "", time.Time{}, fmt.Errorf("token expired")
	}
	if iat, ok := claims["iat"].(float64); ok && iat < 1e15 && time.UnixMilli(int64(iat*1000)).After(e.now()) {
		return "", time.Time{}, fmt.Errorf("token issued in the future")
	}
	return sub, expires, nil
}

func decodeJWTPart(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// UnsecuredJWT makes a token the unsecured validator accepts: for tests
// of OAUTHBEARER clients.
func UnsecuredJWT(subject string, expires time.Time) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]string{"alg": "none"}) + "." +
		enc(map[string]any{"sub": subject, "exp": expires.Unix(), "iat": expires.Add(-time.Hour).Unix()}) + "."
}
