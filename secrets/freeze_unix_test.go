//go:build unix

package secrets_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
)

// freezeTTL is the TTL of the child's Client; the child is stopped for
// longer than that.
const freezeTTL = 500 * time.Millisecond

// TestFreezeAndThaw suspends a process holding a Client for longer than its
// TTL, as Lambda freezes an execution environment between invocations, and
// reads after resuming it. In Lambda mode (AWS_LAMBDA_RUNTIME_API set: the
// clock is read at every access) the first read sees the value expired. In
// the default mode (a coarse clock advanced by a goroutine, which the
// suspension stops too) a read sees it expired as soon as that goroutine
// has run once: within about a millisecond of resuming on an idle machine.
func TestFreezeAndThaw(t *testing.T) {
	if os.Getenv("SECRETREF_FREEZE_CHILD") != "" {
		t.Skip("the child's side runs in TestFreezeChild")
	}
	for _, tc := range []struct {
		name   string
		lambda bool
	}{{"lambda", true}, {"default", false}} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestFreezeChild$", "-test.v")
			cmd.Env = append(os.Environ(), "SECRETREF_FREEZE_CHILD=1")
			if tc.lambda {
				cmd.Env = append(cmd.Env, "AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001")
			}
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			lines := bufio.NewScanner(stdout)
			expect := func(prefix string) string {
				t.Helper()
				for lines.Scan() {
					if rest, ok := strings.CutPrefix(lines.Text(), prefix); ok {
						return rest
					}
				}
				t.Fatalf("the child ended without printing %q: %v", prefix, lines.Err())
				return ""
			}
			expect("ready")
			if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
				t.Fatal(err)
			}
			time.Sleep(3 * freezeTTL)
			if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
				t.Fatal(err)
			}
			if _, err := fmt.Fprintln(stdin, "read"); err != nil {
				t.Fatal(err)
			}
			fields := strings.Fields(expect("result "))
			freshReads, _ := strconv.Atoi(fields[0])
			after, _ := time.ParseDuration(fields[1])
			t.Logf("%s: %d reads after resuming saw the value fresh; expiry seen %v after the first", tc.name, freshReads, after)
			switch {
			case tc.lambda && freshReads != 0:
				t.Errorf("in Lambda mode %d reads after the thaw served the expired value as fresh, want 0", freshReads)
			case !tc.lambda && after > time.Second:
				t.Errorf("the coarse clock took %v after resuming to see the value expired", after)
			}
		})
	}
}

// TestFreezeChild is the child process of TestFreezeAndThaw: it caches one
// value, says "ready", and on "read" reads until the value is seen expired
// (a second fetch), then prints how many reads saw it fresh and how long
// after the first read the expiry was seen.
func TestFreezeChild(t *testing.T) {
	if os.Getenv("SECRETREF_FREEZE_CHILD") == "" {
		t.Skip("run by TestFreezeAndThaw")
	}
	store := memory.New()
	store.Put("app/token", "v")
	c := newProviderClient(t, store, func(o *secrets.Options) {
		o.TTL = freezeTTL
		o.Jitter = secrets.Disabled
		o.RefreshAhead = secrets.Disabled
		o.DisableRotationSchedule = true
	})
	ctx := context.Background()
	if _, err := c.Get(ctx, "sm:app/token"); err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready")
	in := bufio.NewScanner(os.Stdin)
	if !in.Scan() {
		t.Fatal("no command")
	}
	start := time.Now()
	fresh := 0
	for store.Calls() < 2 {
		if _, err := c.Get(ctx, "sm:app/token"); err != nil {
			t.Fatal(err)
		}
		if store.Calls() < 2 {
			fresh++
		}
		if time.Since(start) > 10*time.Second {
			break
		}
	}
	fmt.Printf("result %d %v\n", fresh, time.Since(start))
}
