package wiretap

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// A request written in pieces, after a flexible one with header tags, is
// decoded once its last byte is written.
func TestTapDecodesRequestsAsWritten(t *testing.T) {
	client, server := net.Pipe()
	defer server.Close()
	go io.Copy(io.Discard, server)
	tap := New(func(context.Context, string, string) (net.Conn, error) { return client, nil })
	nc, err := tap.DialContext(context.Background(), "tcp", "broker")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()

	versions := kmsg.NewPtrApiVersionsRequest()
	versions.SetVersion(3) // flexible: the header has tagged fields
	versions.ClientSoftwareName, versions.ClientSoftwareVersion = "wiretap", "1"
	fetch := kmsg.NewPtrFetchRequest()
	fetch.SetVersion(12)
	fetch.SessionID, fetch.SessionEpoch = 7, 3
	f := kmsg.NewRequestFormatter(kmsg.FormatterClientID("tapped"))
	wire := append(f.AppendRequest(nil, versions, 1), f.AppendRequest(nil, fetch, 2)...)
	for len(wire) > 0 { // a few bytes at a time, as a slow writer would
		n := min(5, len(wire))
		if _, err := nc.Write(wire[:n]); err != nil {
			t.Fatal(err)
		}
		wire = wire[n:]
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := tap.WaitFor(ctx, func(r kmsg.Request) bool { return r.Key() == fetch.Key() }); err != nil {
		t.Fatalf("%v; recorded %+v", err, tap.Requests())
	}
	reqs := tap.Requests()
	if len(reqs) != 2 {
		t.Fatalf("recorded %d requests, want 2", len(reqs))
	}
	if v, ok := reqs[0].(*kmsg.ApiVersionsRequest); !ok || v.ClientSoftwareName != "wiretap" {
		t.Fatalf("first request %+v, want the ApiVersions", reqs[0])
	}
	if fs := tap.Fetches(); len(fs) != 1 || fs[0].SessionID != 7 || fs[0].SessionEpoch != 3 {
		t.Fatalf("fetches %+v, want one in session 7 at epoch 3", fs)
	}
}
