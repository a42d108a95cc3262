package secrets_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/secretref/secretref/secrets"
)

// Errors say what a user did, in the Client's words.
func TestErrorsInTheUsersWords(t *testing.T) {
	t.Run("a closed Client says the Client is closed", func(t *testing.T) {
		c, store := newMemoryClient(t)
		store.Put("a", "v")
		if _, err := c.Get(context.Background(), "sm:a"); err != nil {
			t.Fatal(err)
		}
		_ = c.Close()
		for _, ref := range []string{"sm:a", "sm:b"} {
			_, err := c.Get(context.Background(), ref)
			if !errors.Is(err, secrets.ErrClosed) || !strings.Contains(err.Error(), "Client is closed") || strings.Contains(err.Error(), "cache") {
				t.Errorf("Get(%q) after Close: %q, want ErrClosed saying the Client is closed", ref, err)
			}
		}
	})
	t.Run("the package-level GetString prefixes once", func(t *testing.T) {
		t.Setenv("AWS_REGION", "")
		t.Setenv("AWS_DEFAULT_REGION", "")
		t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
		t.Setenv("AWS_PROFILE", "")
		prev := secrets.SetDefault(nil)
		t.Cleanup(func() { secrets.SetDefault(prev) })
		_, err := secrets.GetString(context.Background(), "sm:prod/db")
		if !errors.Is(err, secrets.ErrMisconfigured) {
			t.Fatalf("GetString without a region: %v, want ErrMisconfigured", err)
		}
		if n := strings.Count(err.Error(), "secrets: "); n != 1 {
			t.Errorf("%q says \"secrets: \" %d times, want once", err, n)
		}
	})
	t.Run("a name with a valueFrom suffix gets the ARN hint", func(t *testing.T) {
		for _, ref := range []string{"prod/db:password", "prod/db:password::", "prod/db:password:AWSPREVIOUS"} {
			_, err := secrets.ParseRef(ref)
			if !errors.Is(err, secrets.ErrInvalidReference) || strings.Contains(err.Error(), "unknown scheme") ||
				!strings.Contains(err.Error(), "arn:aws:secretsmanager:REGION:ACCOUNT:secret:prod/db:password:") || !strings.Contains(err.Error(), "sm:prod/db") {
				t.Errorf("ParseRef(%q): %q, want the ARN form and sm:prod/db#password suggested", ref, err)
			}
		}
		if _, err := secrets.ParseRef("vault:prod/db"); err == nil || !strings.Contains(err.Error(), "unknown scheme") {
			t.Errorf("ParseRef(vault:prod/db): %v, want unknown scheme", err)
		}
	})
	t.Run("Load names every bad tag", func(t *testing.T) {
		c, _ := newMemoryClient(t)
		var cfg struct {
			A string `secret:""`
			B string `secret:"sm:b,sometimes"`
			C int    `secret:"${SECRETREF_UNSET_FOR_TEST}"`
		}
		err := c.Load(context.Background(), &cfg)
		for _, field := range []string{".A", ".B", ".C"} {
			if !strings.Contains(err.Error(), field+":") {
				t.Errorf("Load: %q does not name field %s", err, field)
			}
		}
	})
}
