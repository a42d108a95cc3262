package dbauth

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/secretref/secretref/secrets"
)

// IsAuthFailure reports whether err, from a driver's connection attempt,
// says the database rejected the credentials: an error in err's chain with
// a SQLState method (pgx's *pgconn.PgError, lib/pq's *pq.Error) giving
// PostgreSQL's 28P01 (invalid_password) or 28000
// (invalid_authorization_specification). It is the default of
// Options.IsAuthFailure.
func IsAuthFailure(err error) bool {
	state := sqlState(err)
	return state == "28P01" || state == "28000"
}

// IsUnavailable reports whether err, from a driver's connection attempt,
// says the database could not be reached: a network error, a connection
// that ended unexpectedly, a deadline that passed while connecting, or
// SQLSTATE class 08 (connection exception) or 57P01 to 57P03 (the server
// is shutting down or starting up). Errors that Connect and Connector
// return for these wrap secrets.ErrUnavailable.
func IsUnavailable(err error) bool {
	var netErr net.Error
	switch state := sqlState(err); {
	case strings.HasPrefix(state, "08"), state == "57P01", state == "57P02", state == "57P03":
		return true
	case state != "":
		return false // the server answered
	}
	return errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, context.DeadlineExceeded)
}

func sqlState(err error) string {
	var e interface{ SQLState() string }
	if errors.As(err, &e) {
		return e.SQLState()
	}
	return ""
}

// connectError is the cause of a failed connection attempt: its message,
// made once with every password it might quote taken out, and what it
// wraps (a sentinel, the driver's error, the context's).
type connectError struct {
	msg  string
	errs []error
}

func (e *connectError) Error() string   { return e.msg }
func (e *connectError) Unwrap() []error { return e.errs }

// rejection is what a connection attempt tried before giving up.
type rejection struct {
	tried []*cred
	last  error // the driver's last rejection
}

func (r *rejection) add(k *cred, err error) {
	if !containsLogin(r.tried, k) {
		r.tried = append(r.tried, k)
	}
	r.last = err
}

// Why an attempt whose every credentials were rejected gave up, when its
// context did not end it.
const (
	endWindow     = "the rotation window"
	endNoRotation = "and no rotation is under way (no pending version, and the current version has not changed within the rotation window)"
)

// rejected is the error of an attempt whose every credentials were
// rejected until ctxErr, or, when that is nil, until end.
func (a *Auth) rejected(rej rejection, ctxErr error, start time.Time, end string) error {
	var b strings.Builder
	b.WriteString(secrets.ErrAccessDenied.Error())
	b.WriteString(": the database rejected the credentials (")
	for i, k := range rej.tried {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(describe(k))
	}
	b.WriteString(") for " + time.Since(start).Round(time.Millisecond).String())
	errs := []error{secrets.ErrAccessDenied, rej.last}
	if ctxErr != nil {
		b.WriteString(", until " + ctxErr.Error())
		errs = append(errs, ctxErr)
	} else {
		b.WriteString(", " + end)
	}
	b.WriteString(": " + rej.last.Error())
	return &secrets.RefError{Ref: a.Ref(), Err: &connectError{msg: redact(b.String(), rej.tried), errs: errs}}
}

// failed is the error of an attempt that failed otherwise than by a
// rejection of k.
func (a *Auth) failed(k *cred, err error) error {
	if IsUnavailable(err) {
		return &secrets.RefError{Ref: a.Ref(), Err: &connectError{
			msg:  redact(secrets.ErrUnavailable.Error()+": the database could not be reached: "+err.Error(), []*cred{k}),
			errs: []error{secrets.ErrUnavailable, err},
		}}
	}
	return &secrets.RefError{Ref: a.Ref(), Err: &connectError{
		msg:  redact("connecting to the database: "+err.Error(), []*cred{k}),
		errs: []error{err},
	}}
}

func describe(k *cred) string {
	if k.token != nil {
		return "an IAM token built at " + k.token.built.UTC().Format("15:04:05.000") + " UTC"
	}
	s := "current"
	if k.pending {
		s = "pending"
	}
	if k.Version != "" {
		s += " version " + k.Version
	}
	return s
}

// redact takes the passwords of ks out of msg: no driver is known to
// quote one in an error, and none may make this package do it.
func redact(msg string, ks []*cred) string {
	for _, k := range ks {
		if k.Password != "" {
			msg = strings.ReplaceAll(msg, k.Password, secrets.Redacted)
		}
	}
	return msg
}
