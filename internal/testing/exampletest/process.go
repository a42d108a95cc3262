package exampletest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/secretref/secretref/internal/testing/syncbuf"
)

// Command is a program to run under test.
type Command struct {
	Path string
	Args []string
	// Env is the program's whole environment: nothing is inherited.
	Env []string
	// Secrets are values the program must never print. Its output is
	// checked for them when the test ends, and they are masked in the
	// output logged when the test fails.
	Secrets []string
}

// Process is a program started by Start. It is stopped when its test ends.
type Process struct {
	cmd  *exec.Cmd
	out  syncbuf.Buffer
	done chan struct{} // closed when the program has exited
	err  error         // what Wait returned; read after done is closed
}

// Start starts c, failing t if it cannot. When t ends the program is
// killed unless it has exited, and its output is checked for c.Secrets.
func Start(t testing.TB, c Command) *Process {
	t.Helper()
	p := &Process{done: make(chan struct{})}
	p.cmd = exec.Command(c.Path, c.Args...)
	p.cmd.Env = c.Env
	p.cmd.Stdout = &p.out
	p.cmd.Stderr = &p.out
	// A child the program started may hold the output pipe open after the
	// program is killed; do not wait for it for long.
	p.cmd.WaitDelay = time.Second
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", c.Path, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if !p.Exited() {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		NoSecrets(t, c.Path+"'s output", p.Output(), c.Secrets...)
		if t.Failed() {
			t.Logf("output of %s:\n%s", c.Path, Redact(p.Output(), c.Secrets...))
		}
	})
	return p
}

// Run runs c to completion, within timeout, and returns its output and
// exit code. Its output is checked for c.Secrets.
func Run(t testing.TB, c Command, timeout time.Duration) (output string, exitCode int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.Path, c.Args...)
	cmd.Env = c.Env
	out, err := cmd.CombinedOutput()
	output = string(out)
	NoSecrets(t, c.Path+"'s output", output, c.Secrets...)
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("%s did not finish within %v; output:\n%s", c.Path, timeout, Redact(output, c.Secrets...))
	case errors.As(err, &exit):
		return output, exit.ExitCode()
	case err != nil:
		t.Fatalf("running %s: %v", c.Path, err)
	}
	return output, 0
}

// Output returns what the program has written to standard output and
// standard error so far.
func (p *Process) Output() string { return p.out.String() }

// Exited reports whether the program has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends the program sig and waits up to timeout for it to exit. It
// returns the program's exit status: nil when it exited with code 0.
func (p *Process) Stop(t testing.TB, sig os.Signal, timeout time.Duration) error {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signalling %s: %v", p.cmd.Path, err)
	}
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		t.Fatalf("%s did not exit within %v of %v", p.cmd.Path, timeout, sig)
		return nil
	}
}
