package broker

// SetTestPrincipals makes each request's principal f(client id) (when
// not ""), so that ACL tests can act as several users before a listener
// authenticates them.
func SetTestPrincipals(c *Cluster, f func(clientID string) string) { c.testPrincipal.Store(&f) }
