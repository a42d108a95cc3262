package faultproxy

import (
	"context"
	"errors"
	"net"
	"testing"
)

// Resolver returns a resolver whose every query is answered "no such host"
// (NXDOMAIN) by a DNS server on a loopback port that is stopped when t ends.
// Set it as the Resolver of an HTTP client's dialer to test a host name that
// does not resolve without sending a query off the machine, and without
// depending on how the machine's resolver treats the name. /etc/hosts is
// still read first.
func Resolver(t testing.TB) *net.Resolver {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("faultproxy: starting the DNS server: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		serveNXDomain(conn)
	}()
	t.Cleanup(func() {
		_ = conn.Close()
		<-done
	})
	addr := conn.LocalAddr().String()
	return &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", addr)
		},
	}
}

// serveNXDomain answers every DNS query read from conn with NXDOMAIN until
// conn is closed.
func serveNXDomain(conn net.PacketConn) {
	buf := make([]byte, 1500)
	for {
		n, from, err := conn.ReadFrom(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		if resp, ok := nxdomain(buf[:n]); ok {
			_, _ = conn.WriteTo(resp, from)
		}
	}
}

// nxdomain returns the NXDOMAIN answer to query: its header and question,
// with no records.
func nxdomain(query []byte) ([]byte, bool) {
	const header = 12
	if len(query) < header || query[4] != 0 || query[5] != 1 {
		return nil, false // not a query with one question
	}
	end := header
	for end < len(query) && query[end] != 0 { // QNAME labels
		end += 1 + int(query[end])
	}
	end += 1 + 4 // the root label, QTYPE and QCLASS
	if end > len(query) {
		return nil, false
	}
	resp := append([]byte(nil), query[:end]...)
	resp[2] = 0x80 | query[2]&0x78 | 0x04 | query[2]&0x01 // QR, the query's opcode, AA, the query's RD
	resp[3] = 0x80 | 3                                    // RA, RCODE NXDOMAIN
	clear(resp[6:header])                                 // no answer, authority or additional records
	return resp, true
}
