// Package freeport finds loopback TCP ports that nothing listens on: for a
// server a test starts, which must be given its port, and for a client that
// must find no server there.
package freeport

import (
	"net"
	"net/netip"
	"testing"
)

// Port returns a loopback port that was free when asked. Another process
// may take it before the caller binds it.
func Port(t testing.TB) uint16 {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port)
}

// Addr returns 127.0.0.1:PORT for a port Port gives.
func Addr(t testing.TB) string {
	t.Helper()
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), Port(t)).String()
}
