package broker

import (
	"errors"
	"net"
	"net/http"
)

// ListenHTTP serves h (package controlplane's Handler: the control plane
// and /metrics) on a TCP address ("127.0.0.1:0" picks a free port) until
// the cluster closes, and returns the base URL, e.g. http://127.0.0.1:41234.
// The HTTP port is off unless something calls this, as the tiny broker's
// --http-port is.
func (c *Cluster) ListenHTTP(addr string, h http.Handler) (string, error) {
	if h == nil {
		return "", errors.New("no HTTP handler")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h}
	c.httpServers.Store(srv, struct{}{})
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.logger.Warn("HTTP server stopped", "addr", ln.Addr().String(), "error", err)
		}
	}()
	return "http://" + ln.Addr().String(), nil
}

// closeHTTPServers closes the servers of ListenHTTP, and with them any
// open event stream.
func (c *Cluster) closeHTTPServers() {
	c.httpServers.Range(func(k, _ any) bool {
		srv := k.(*http.Server)
		// Close, not Shutdown: an event stream is never idle.
		_ = srv.Close()
		c.httpServers.Delete(k)
		return true
	})
}
