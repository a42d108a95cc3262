package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/sivchari/kumo"

	"github.com/secretref/secretref/secrets"
)

// demoTTL is short so that the rotation is picked up within a second. The
// default, 5 minutes, suits a service.
const demoTTL = time.Second

// demo starts the emulator, stores a secret and parameters in it, resolves
// them, rotates the secret and shows the Client pick up the new version.
func demo(ctx context.Context, w io.Writer) error {
	srv := kumo.NewServer()
	defer srv.Close()
	cfg, err := emulatorConfig(ctx, srv.URL)
	if err != nil {
		return err
	}
	arn, version, err := seed(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "kumo AWS emulator at %s, in this process\n", srv.URL)
	fmt.Fprintf(w, "stored secret %s (version %.8s), parameters %s and %s\n\n", secretName, version, apiKeyParam, timeoutParam)

	c, err := secrets.New(ctx, func(o *secrets.Options) {
		o.AWSConfig = &cfg
		o.TTL = demoTTL
		// Jitter spreads the refreshes of a fleet of processes; this demo
		// is one process, and its counts should come out the same each run.
		o.Jitter = secrets.Disabled
	})
	if err != nil {
		return err
	}
	defer c.Close()

	password := arn + ":password::" // ECS valueFrom form: ARN, JSON key, stage, version id
	refs := []string{
		password,
		"sm:" + secretName + "#username", // by name, one field of the JSON
		apiKeyParam,                      // a SecureString, decrypted
	}
	t := newTable(w)
	for _, ref := range refs {
		v, err := c.Get(ctx, ref)
		if err != nil {
			return err
		}
		t.row(ref, v)
	}
	if err := t.flush(); err != nil {
		return err
	}

	params, err := c.GetPath(ctx, paramPath, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nGetPath %s, recursive: each parameter is cached under its name\n", paramPath)
	t = newTable(w)
	for _, name := range slices.Sorted(maps.Keys(params)) {
		t.row(name, params[name])
	}
	if err := t.flush(); err != nil {
		return err
	}

	before := c.Stats()
	for _, ref := range refs {
		if _, err := c.Get(ctx, ref); err != nil {
			return err
		}
	}
	after := c.Stats()
	fmt.Fprintf(w, "\nread again: %d cache hits, %d calls to AWS\n", after.Hits-before.Hits, after.Fetches-before.Fetches)

	if err := showRotation(ctx, w, c, cfg, password); err != nil {
		return err
	}
	fmt.Fprintf(w, "cache: %+v\n", c.Stats())
	return nil
}

// showRotation watches ref, rotates its secret, and shows the cached
// version served until the TTL runs out and the new one reported to the
// watch and served after.
func showRotation(ctx context.Context, w io.Writer, c *secrets.Client, cfg aws.Config, ref string) error {
	versions := make(chan string, 1)
	stop, err := c.Watch(ref, func(v secrets.Value) {
		select {
		case versions <- v.Version():
		default: // one rotation is shown; later versions need no report
		}
	})
	if err != nil {
		return err
	}
	defer stop()

	version, err := rotate(ctx, cfg)
	if err != nil {
		return err
	}
	rotated := time.Now()
	fmt.Fprintf(w, "\nrotated %s: AWSCURRENT is now version %.8s\n", secretName, version)
	if err := showVersion(ctx, w, c, ref, "read:  version %.8s, from the cache until its TTL (%v) runs out\n", demoTTL); err != nil {
		return err
	}
	select {
	case v := <-versions:
		fmt.Fprintf(w, "watch: version %.8s, %.1fs after the rotation\n", v, time.Since(rotated).Seconds())
	case <-time.After(5 * demoTTL):
		return errors.New("the watch was not told of the new version")
	}
	return showVersion(ctx, w, c, ref, "read:  version %.8s\n")
}

// showVersion prints the version of ref's value with format, whose first
// verb takes the version and the rest args.
func showVersion(ctx context.Context, w io.Writer, c *secrets.Client, ref, format string, args ...any) error {
	v, err := c.Get(ctx, ref)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, format, append([]any{v.Version()}, args...)...)
	return nil
}
