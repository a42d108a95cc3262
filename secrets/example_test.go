package secrets_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"os"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
	"github.com/secretref/secretref/secrets"
)

// A memory store stands in for Secrets Manager and Parameter Store, as in a
// unit test of code that reads secrets.
func Example() {
	store := memory.New()
	store.Put("prod/db", `{"username":"app","password":"s3cr3t-example"}`)
	store.Put("/prod/payments/api-key", "pk_example")

	ctx := context.Background()
	c, err := secrets.New(ctx, func(o *secrets.Options) { o.Providers = map[string]providers.Provider{"sm": store, "ssm": store} })
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	user, err := c.GetString(ctx, "sm:prod/db#username")
	if err != nil {
		log.Fatal(err)
	}
	key, err := c.Get(ctx, "/prod/payments/api-key")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(user)
	fmt.Println(key)                                 // a Value never prints its contents
	fmt.Printf("%s %v %q %#v\n", key, key, key, key) // with any verb
	fmt.Println(key.Len(), "bytes, version", key.Version())
	// Output:
	// app
	// [REDACTED]
	// [REDACTED] [REDACTED] [REDACTED] [REDACTED]
	// 10 bytes, version 1
}

func ExampleValue_LogValue() {
	store := memory.New()
	store.Put("prod/db", "s3cr3t-example")
	c, _ := secrets.New(context.Background(), func(o *secrets.Options) { o.Providers = map[string]providers.Provider{"sm": store, "ssm": store} })
	defer c.Close()
	pw, _ := c.Get(context.Background(), "sm:prod/db")

	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	logger.Info("connecting", "user", "app", "password", pw)
	// Output:
	// level=INFO msg=connecting user=app password=[REDACTED]
}

func ExampleParseRef() {
	r, err := secrets.ParseRef("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf:password:AWSPREVIOUS:")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Scheme, r.Region, r.Key, r.Stage)
	fmt.Println(r)

	_, err = secrets.ParseRef("sm:prod/db?stage=AWSCURRENT&version-id=1")
	fmt.Println(errors.Is(err, secrets.ErrInvalidReference))
	fmt.Println(err)
	// Output:
	// sm eu-west-1 password AWSPREVIOUS
	// sm:arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf?stage=AWSPREVIOUS#password
	// true
	// secrets: "sm:prod/db?stage=AWSCURRENT&version-id=1": invalid reference: both a version stage and a version id given; give one
}

func ExampleClient_Refresh() {
	store := memory.New()
	store.Put("prod/db", `{"password":"old"}`)
	ctx := context.Background()
	c, _ := secrets.New(ctx, func(o *secrets.Options) {
		o.Providers = map[string]providers.Provider{"sm": store, "ssm": store}
		o.MinRefreshInterval = secrets.Disabled
	})
	defer c.Close()

	pw, _ := c.Get(ctx, "sm:prod/db#password")
	store.Put("prod/db", `{"password":"new"}`) // the secret is rotated

	// The database rejects the cached password: fetch the secret again.
	if !connect(pw) {
		pw, _ = c.Refresh(ctx, "sm:prod/db#password")
	}
	fmt.Println(connect(pw), pw.Version())
	// Output:
	// true 2
}

// connect stands in for a database that accepts only the newest password.
func connect(pw secrets.Value) bool { return pw.Reveal() == "new" }
