package pgtest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/secretref/secretref/internal/testing/freeport"
)

// portRangeFile holds the range of ports the kernel gives to sockets that
// bind port 0 and to outgoing connections.
const portRangeFile = "/proc/sys/net/ipv4/ip_local_port_range"

// lowestPort is the least port port chooses: above those services
// commonly use.
const lowestPort = 10000

// port returns a free loopback port below the kernel's ephemeral range.
// A port from that range (what freeport gives) can be taken by any
// outgoing connection on the machine while the server is stopped, and a
// busy machine runs thousands a second: Resume, which must use the same
// port, then fails to bind. Below the range only a process that binds
// that very port can take it. Without the range (not Linux), it falls
// back on freeport.
func port(t testing.TB) uint16 {
	t.Helper()
	low, err := ephemeralLow()
	if err != nil || low <= lowestPort+1 {
		return freeport.Port(t)
	}
	for range 100 {
		p := lowestPort + rand.IntN(low-lowestPort)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			continue // taken
		}
		_ = l.Close()
		return uint16(p)
	}
	t.Fatalf("pgtest: no free loopback port from %d to %d", lowestPort, low-1)
	return 0
}

// ephemeralLow returns the lowest port of the kernel's ephemeral range.
func ephemeralLow() (int, error) {
	b, err := os.ReadFile(portRangeFile)
	if err != nil {
		return 0, err
	}
	fields := strings.Fields(string(b))
	if len(fields) != 2 {
		return 0, fmt.Errorf("%s: %q", portRangeFile, b)
	}
	return strconv.Atoi(fields[0])
}
