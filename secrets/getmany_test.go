package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/secretref/secretref/internal/testing/faultproxy"
	"github.com/secretref/secretref/internal/testing/poll"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
)

// A GetMany of more references than MaxEntries returns every value: the
// caller asked for values, not cache entries.
func TestGetManyOfMoreThanMaxEntries(t *testing.T) {
	c, store := newMemoryClient(t, func(o *secrets.Options) { o.MaxEntries = 50 })
	refs := make([]string, 200)
	for i := range refs {
		name := fmt.Sprintf("app/s%03d", i)
		store.Put(name, "v")
		refs[i] = "sm:" + name
	}
	got, err := c.GetMany(context.Background(), refs...)
	if err != nil || len(got) != len(refs) {
		t.Fatalf("GetMany of 200 secrets with MaxEntries 50: %d values, %v", len(got), err)
	}
	if n := c.Stats().Entries; n > 50 {
		t.Errorf("%d entries, want at most 50", n)
	}
}

// Concurrent GetPaths of one path share one listing.
func TestConcurrentGetPathsShareOneListing(t *testing.T) {
	store := &delayed{Store: memory.New(), delay: 200 * time.Millisecond}
	c := newProviderClient(t, store)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if got, err := c.GetPath(context.Background(), "/app", true); err != nil || len(got) != 1 {
				t.Errorf("GetPath: %d values, %v", len(got), err)
			}
		})
	}
	wg.Wait()
	if n := store.calls.Load(); n != 1 {
		t.Errorf("%d listings for 10 concurrent GetPaths of one path, want 1", n)
	}
	if _, err := c.GetPath(context.Background(), "/app", false); err != nil {
		t.Fatal(err)
	}
	if n := store.calls.Load(); n != 2 {
		t.Errorf("%d listings after a GetPath that is not recursive, want 2: it is another listing", n)
	}
}

// A GetPath whose listing is in flight when Close is called fails with
// ErrClosed, as every other read does, not with the SDK's "context
// canceled". kumo behind a proxy that holds the listing's response.
func TestGetPathInFlightAtCloseIsErrClosed(t *testing.T) {
	b := newFaultBackend(t)
	if _, err := b.srv.SSM(t).PutParameter(context.Background(), &ssm.PutParameterInput{
		Name: aws.String("/app/a"), Value: aws.String("v"), Type: ssmtypes.ParameterTypeSecureString,
	}); err != nil {
		t.Fatal(err)
	}
	c := newAWSClient(t, b.cfg)
	b.proxy.FailOperation("GetParametersByPath", faultproxy.Hang, 1)
	done := make(chan error, 1)
	go func() {
		_, err := c.GetPath(context.Background(), "/app", true)
		done <- err
	}()
	poll.Until(t, "the listing to be sent", func() bool { return b.proxy.Calls("GetParametersByPath") == 1 })
	_ = c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, secrets.ErrClosed) {
			t.Errorf("GetPath in flight at Close: %v, want ErrClosed", err)
		}
	case <-time.After(hangSlack):
		t.Fatal("GetPath blocked past Close")
	}
}

// With DisableBatching, every value is read with a call of its own.
func TestDisableBatching(t *testing.T) {
	c, store := newMemoryClient(t, func(o *secrets.Options) { o.DisableBatching = true })
	var refs []string
	for i := range 5 {
		name := fmt.Sprintf("app/s%d", i)
		store.Put(name, "v")
		refs = append(refs, "sm:"+name)
	}
	if got, err := c.GetMany(context.Background(), refs...); err != nil || len(got) != 5 {
		t.Fatalf("GetMany: %d values, %v", len(got), err)
	}
	if n := store.BatchCalls(); n != 0 {
		t.Errorf("%d batch calls, want none", n)
	}
}
