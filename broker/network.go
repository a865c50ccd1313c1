package broker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
)

// network is where brokers listen and clients dial: TCP on loopback by
// default, or an in-process network made of net.Pipe connections.
type network interface {
	listen(host string, port int) (net.Listener, error)
	dial(ctx context.Context, network, addr string) (net.Conn, error)
}

type tcpNetwork struct{}

func (tcpNetwork) listen(host string, port int) (net.Listener, error) {
	return net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
}

func (tcpNetwork) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// memHost is the host name of in-memory brokers. It resolves nowhere, so
// a client that forgot the in-memory dialer fails at once instead of
// reaching some real port.
const memHost = "gregor.in-memory"

// memNetwork connects clients to brokers with net.Pipe. Each broker gets
// a port of its own (9092 for broker 1, 9093 for broker 2, ... unless
// Ports says otherwise); restarting a broker reuses it.
type memNetwork struct {
	mu        sync.Mutex
	listeners map[string]*memListener
	nextPort  int
}

func newMemNetwork() *memNetwork {
	return &memNetwork{listeners: make(map[string]*memListener), nextPort: 9092}
}

func (n *memNetwork) listen(_ string, port int) (net.Listener, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if port == 0 {
		for {
			port = n.nextPort
			n.nextPort++
			if _, taken := n.listeners[memAddr(port)]; !taken {
				break
			}
		}
	}
	addr := memAddr(port)
	if _, taken := n.listeners[addr]; taken {
		return nil, fmt.Errorf("in-memory address %s is already in use", addr)
	}
	l := &memListener{net: n, addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
	n.listeners[addr] = l
	return l, nil
}

func memAddr(port int) string { return net.JoinHostPort(memHost, strconv.Itoa(port)) }

func (n *memNetwork) dial(ctx context.Context, _, addr string) (net.Conn, error) {
	n.mu.Lock()
	l := n.listeners[addr]
	n.mu.Unlock()
	if l == nil {
		return nil, &net.OpError{Op: "dial", Net: "memory", Err: fmt.Errorf("connection refused: nothing listens on %s", addr)}
	}
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
		return nil, &net.OpError{Op: "dial", Net: "memory", Err: fmt.Errorf("connection refused: %s is closed", addr)}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

type memListener struct {
	net   *memNetwork
	addr  string
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.net.mu.Lock()
		delete(l.net.listeners, l.addr)
		l.net.mu.Unlock()
	})
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddrValue(l.addr) }

type memAddrValue string

func (a memAddrValue) Network() string { return "memory" }
func (a memAddrValue) String() string  { return string(a) }

// splitHostPort parses a listener address into the host and port that
// Metadata advertises.
func splitHostPort(addr string) (string, int32, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return "", 0, errors.New("bad port in " + addr)
	}
	return host, int32(port), nil
}
