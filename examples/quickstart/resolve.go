package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/secretref/secretref/secrets"
)

// resolve reads refs with the environment's AWS configuration and lists
// what it got. A reference that cannot be read is reported in the error,
// which names it and the cause, never a value.
func resolve(ctx context.Context, w io.Writer, refs []string) error {
	c, err := secrets.New(ctx)
	if err != nil {
		return err
	}
	defer c.Close()

	t := newTable(w)
	var errs []error
	for _, ref := range refs {
		v, err := c.Get(ctx, ref)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t.row(ref, v)
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "cache: %+v\n", c.Stats())
	return errors.Join(errs...)
}
