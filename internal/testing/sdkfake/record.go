// Package sdkfake holds recording stand-ins for the AWS SDK clients the
// providers call, for the requests kumo does not serve or serves unlike
// AWS: SecretsManager implements providers/secretsmanager.API and SSM
// implements providers/ssm.API. Each method records its input with the
// region the call's options chose, and answers through the hook a test sets
// for it. They are safe for concurrent use once their hooks are set.
package sdkfake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
)

// ErrUnexpectedCall is the error of a method whose hook is not set: a call
// the test did not expect.
var ErrUnexpectedCall = errors.New("sdkfake: call without a hook")

// Call is one request a fake received.
type Call[In any] struct {
	Input In
	// Region is the region the call's options chose: empty when they left
	// the client's own.
	Region string
}

// record is the calls one method received.
type record[In any] struct {
	mu    sync.Mutex
	calls []Call[In]
}

func (r *record[In]) list() []Call[In] {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// answer records in and answers it with hook.
func answer[In, Out any](ctx context.Context, r *record[In], method string, hook func(context.Context, In) (Out, error), in In, region string) (Out, error) {
	r.mu.Lock()
	r.calls = append(r.calls, Call[In]{Input: in, Region: region})
	r.mu.Unlock()
	if hook == nil {
		var zero Out
		return zero, fmt.Errorf("%w: %s", ErrUnexpectedCall, method)
	}
	return hook(ctx, in)
}

// OnlyCall returns the one call in calls, and fails t when there are none
// or more than one.
func OnlyCall[In any](t testing.TB, calls []Call[In]) Call[In] {
	t.Helper()
	if len(calls) != 1 {
		t.Fatalf("%d calls, want 1", len(calls))
	}
	return calls[0]
}
