package secretstest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
	"github.com/secretref/secretref/secrets/secretstest"
)

// exampleT stands in for the *testing.T of a test, which an example has
// not: in a test, write secretstest.New(t).
type exampleT struct{ cleanups []func() }

func (t *exampleT) Helper()                        {}
func (t *exampleT) Cleanup(f func())               { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
func (t *exampleT) end() { // last registered first, as a test's cleanups run
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

func Example() {
	t := &exampleT{}
	defer t.end()

	c, store := secretstest.New(t)
	store.Put("prod/db", `{"username":"app","password":"first-test-password"}`)
	store.Put("/prod/app/api-key", "test-api-key")
	ctx := context.Background()

	// Names and ARNs name one secret; values print redacted.
	byName, _ := c.Get(ctx, "sm:prod/db#password")
	byARN, _ := c.Get(ctx, memory.SecretARN("prod/db")+":password::")
	fmt.Println(byName, byName.Version(), byName.Equal(byARN))
	key, _ := c.Get(ctx, memory.ParameterARN("/prod/app/api-key"))
	fmt.Println(key.Reveal() == "test-api-key")

	// A rotation, as a rotation function makes it; the Client reads the
	// new version once its cached one is dropped (or expires).
	store.Rotate("prod/db", `{"username":"app","password":"second-test-password"}`)
	_ = c.Invalidate("sm:prod/db")
	current, _ := c.Get(ctx, "sm:prod/db#password")
	previous, _ := c.Get(ctx, "sm:prod/db?stage=AWSPREVIOUS#password")
	fmt.Println(current.Version(), previous.Equal(byName))

	// Paths, as GetParametersByPath lists them.
	params, _ := c.GetPath(ctx, "/prod/app", false)
	fmt.Println(len(params))

	// A failure on demand, classified.
	store.Fail("/prod/app/api-key", secretstest.Failure(secrets.ErrAccessDenied))
	_ = c.Invalidate("/prod/app/api-key")
	_, err := c.Get(ctx, "/prod/app/api-key")
	fmt.Println(errors.Is(err, secrets.ErrAccessDenied))
	// Output:
	// [REDACTED] 1 true
	// true
	// 2 true
	// 1
	// true
}

// A handler that reads through the package-level secrets.GetString, as a
// Lambda function may, tested with the store as the default Client.
func ExampleNewDefault() {
	t := &exampleT{}
	defer t.end()

	handler := func(ctx context.Context) error {
		pw, err := secrets.GetString(ctx, "sm:prod/db#password")
		if err != nil {
			return err
		}
		fmt.Println(len(pw), "bytes")
		return nil
	}

	_, store := secretstest.NewDefault(t)
	store.Put("prod/db", `{"password":"test-only"}`)
	if err := handler(context.Background()); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 9 bytes
}
