// Command kumoserver runs the kumo AWS emulator on a free loopback port for
// the tests, as a process of its own: kumo's services share global state and
// have data races of their own, so it must not run inside a test binary.
//
// It prints the server's URL on the first line of standard output and runs
// until standard input is closed (its parent exited) or it is signalled.
package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/sivchari/kumo"
)

func main() {
	srv := kumo.NewServer()
	defer srv.Close()
	fmt.Println(srv.URL)

	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(done)
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-done:
	case <-sig:
	}
}
