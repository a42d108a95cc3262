package freeport_test

import (
	"net"
	"testing"

	"github.com/secretref/secretref/internal/testing/freeport"
)

// The address given can be listened on.
func TestAddrIsFree(t *testing.T) {
	l, err := net.Listen("tcp", freeport.Addr(t))
	if err != nil {
		t.Fatal(err)
	}
	_ = l.Close()
}
