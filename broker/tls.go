package broker

// TLS listeners (SSL and SASL_SSL): the certificate the caller gives, or
// a throwaway certificate authority gregor generates at start, with a
// server certificate for the brokers' hosts, whose trust it hands back
// (Cluster.TLSConfig for Go clients, Cluster.WriteTLSFiles for kcat,
// librdkafka and Java). ssl.client.auth says whether clients must show
// a certificate (mTLS); the principal of one that does is its subject's
// distinguished name, mapped by ssl.principal.mapping.rules
// (security.PrincipalMapper).

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/gregorkafka/gregor/security"
)

type tlsOptions struct {
	cert      *tls.Certificate // nil: generate a CA and a server certificate
	clientCAs *x509.CertPool   // trusted for client certificates; the generated CA when nil
}

// TLS enables SSL and SASL_SSL listeners. With a nil certificate gregor
// generates a throwaway certificate authority and a server certificate
// for the brokers' hosts; Cluster.TLSConfig and Cluster.WriteTLSFiles
// hand its trust (and client certificates for mTLS) to clients.
// clientCAs are the authorities client certificates must chain to under
// ssl.client.auth=required|requested (the generated one when nil).
func TLS(cert *tls.Certificate, clientCAs *x509.CertPool) Option {
	return func(o *options) error {
		if cert != nil && (len(cert.Certificate) == 0 || cert.PrivateKey == nil) {
			return errors.New("TLS certificate needs its chain and private key")
		}
		o.tls = &tlsOptions{cert: cert, clientCAs: clientCAs}
		return nil
	}
}

// clusterTLS is a cluster's TLS material.
type clusterTLS struct {
	serverConfig *tls.Config
	ca           *security.CA // generated; nil when the caller gave a certificate
}

// setupTLS builds the listeners' server configuration.
func (c *Cluster) setupTLS(o options) error {
	if o.tls == nil {
		return nil
	}
	cert := o.tls.cert
	clientCAs := o.tls.clientCAs
	if cert == nil {
		hosts := []string{o.host, "localhost", "127.0.0.1", "::1", memHost}
		if o.advertisedHost != "" {
			hosts = append(hosts, o.advertisedHost)
		}
		for _, l := range c.listenerPlan {
			for _, h := range []string{l.host, l.advHost} {
				if h != "" && !slices.Contains(hosts, h) {
					hosts = append(hosts, h)
				}
			}
		}
		ca, err := security.NewCA("gregor throwaway CA")
		if err != nil {
			return err
		}
		sc, err := ca.Issue("gregor broker", hosts, true)
		if err != nil {
			return err
		}
		cert = &sc
		c.tls.ca = ca
		if clientCAs == nil {
			clientCAs = ca.Pool()
		}
	}
	// Each listener takes a copy with its ssl.client.auth and
	// ssl.enabled.protocols (listenerSecurity).
	c.tls.serverConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, ClientCAs: clientCAs, MinVersion: tls.VersionTLS12}
	return nil
}

// TLSConfig returns a client configuration that trusts the generated
// certificate authority, for a Go client of an SSL or SASL_SSL listener
// (kgo.DialTLSConfig, Sarama's Net.TLS.Config, kafka-go's Dialer.TLS).
// It is nil when the cluster has no generated authority.
func (c *Cluster) TLSConfig() *tls.Config {
	if c.tls.ca == nil {
		return nil
	}
	return &tls.Config{RootCAs: c.tls.ca.Pool(), MinVersion: tls.VersionTLS12}
}

// ClientTLSConfig is TLSConfig with a client certificate whose subject
// is CN=<commonName>, issued by the generated authority: for mTLS
// (ssl.client.auth=required), where the principal is
// User:CN=<commonName> under the DEFAULT mapping rule.
func (c *Cluster) ClientTLSConfig(commonName string) (*tls.Config, error) {
	if c.tls.ca == nil {
		return nil, errors.New("the cluster has no generated certificate authority (TLS option with a nil certificate)")
	}
	if commonName == "" {
		return nil, errors.New("client certificate common name must not be empty")
	}
	cert, err := c.tls.ca.Issue(commonName, nil, false)
	if err != nil {
		return nil, err
	}
	cfg := c.TLSConfig()
	cfg.Certificates = []tls.Certificate{cert}
	return cfg, nil
}

// TLSFiles are the PEM files WriteTLSFiles writes: for kcat,
// -X ssl.ca.location=CA -X ssl.certificate.location=Cert
// -X ssl.key.location=Key.
type TLSFiles struct {
	CA, Cert, Key string
}

// WriteTLSFiles writes the generated authority's certificate, and a
// client certificate and key for CN=<commonName>, as PEM files in dir.
func (c *Cluster) WriteTLSFiles(dir, commonName string) (TLSFiles, error) {
	if c.tls.ca == nil {
		return TLSFiles{}, errors.New("the cluster has no generated certificate authority (TLS option with a nil certificate)")
	}
	cert, err := c.tls.ca.Issue(commonName, nil, false)
	if err != nil {
		return TLSFiles{}, err
	}
	certPEM, keyPEM, err := security.EncodePEM(cert)
	if err != nil {
		return TLSFiles{}, err
	}
	f := TLSFiles{CA: filepath.Join(dir, "ca.pem"), Cert: filepath.Join(dir, "client.pem"), Key: filepath.Join(dir, "client.key")}
	for path, data := range map[string][]byte{f.CA: c.tls.ca.CertPEM(), f.Cert: certPEM, f.Key: keyPEM} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return TLSFiles{}, fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return f, nil
}

// tlsHandshake completes the TLS handshake of a connection on an SSL or
// SASL_SSL listener before any request is read, and takes the principal
// from the client certificate on an SSL listener. It reports false when
// the connection is to be closed.
func (c *conn) tlsHandshake() bool {
	tc, ok := c.nc.(*tls.Conn)
	if !ok {
		return true
	}
	if err := tc.HandshakeContext(c.ctx); err != nil {
		c.logClosed("TLS handshake failed", "reason", err)
		return false
	}
	peers := tc.ConnectionState().PeerCertificates
	if len(peers) == 0 || c.sasl != nil {
		// SASL_SSL: the principal comes from SASL, as in Kafka.
		return true
	}
	dn, err := security.DistinguishedName(peers[0])
	if err == nil {
		var p security.Principal
		if p, err = c.listener.spec.mapper.Map(dn); err == nil {
			s := *c.session.Load()
			s.Principal = p
			c.setSession(s)
			return true
		}
	}
	c.logClosed("no principal for the client certificate", "reason", err)
	return false
}
