// Package faultproxy puts a reverse proxy in front of an HTTP service (in
// this repository, the kumo AWS emulator) that makes chosen requests fail
// the ways an AWS endpoint, or the network in front of it, can: server
// errors, throttling, a refusal, a malformed, empty, truncated or stalled
// response, a reset connection. Requests it does not fail are forwarded
// unchanged.
//
//	p := faultproxy.New(t, srv.URL)
//	cfg := srv.ConfigWithEndpoint(t, p.URL, config.WithRetryMaxAttempts(1))
//	p.Fail(faultproxy.Throttle, 2) // the next two requests are throttled
//	...
//	n := p.Calls("GetSecretValue") // how many reached the proxy
//
// [Resolver] adds the one failure a proxy cannot make: a host name that does
// not resolve.
package faultproxy

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Fault is a way for the proxy to answer a request instead of forwarding it.
type Fault int

// The faults a Proxy injects. The AWS error bodies are those of the JSON
// protocols that Secrets Manager and Parameter Store speak.
const (
	// InternalError answers HTTP 500 with an InternalFailure error.
	InternalError Fault = iota + 1
	// Unavailable answers HTTP 503 with a plain-text body, as a load
	// balancer in front of a failed service does.
	Unavailable
	// Throttle answers HTTP 400 with a ThrottlingException ("Rate
	// exceeded") in the body and the x-amzn-ErrorType header.
	Throttle
	// AccessDenied answers HTTP 400 with an AccessDeniedException.
	AccessDenied
	// MalformedBody forwards the request and answers with the service's
	// status, headers and body, the body's last byte replaced so that it
	// is not valid JSON: a decoder reads all of it before failing.
	MalformedBody
	// EmptyBody answers HTTP 200 with a JSON content type and no body, as
	// a broken middlebox might: a success that carries no value.
	EmptyBody
	// TruncatedBody forwards the request and answers with the service's
	// status and headers, Content-Length included, then sends the first
	// half of the body and closes the connection.
	TruncatedBody
	// SlowBody forwards the request and answers like TruncatedBody but
	// keeps the connection open without sending more, until the client
	// gives up or the proxy is closed: a response that stalls past the
	// client's deadline.
	SlowBody
	// Reset closes the connection without answering, with SO_LINGER 0,
	// so that the client sees a TCP reset.
	Reset
	// Hang answers nothing at all, not even a status line, until the
	// client gives up or the proxy is closed: a blackholed network, the
	// commonest real outage.
	Hang
)

var faultNames = map[Fault]string{
	InternalError: "InternalError",
	Unavailable:   "Unavailable",
	Throttle:      "Throttle",
	AccessDenied:  "AccessDenied",
	MalformedBody: "MalformedBody",
	EmptyBody:     "EmptyBody",
	TruncatedBody: "TruncatedBody",
	SlowBody:      "SlowBody",
	Reset:         "Reset",
	Hang:          "Hang",
}

// Faults lists every Fault, for tests that try each one.
var Faults = []Fault{InternalError, Unavailable, Throttle, AccessDenied, MalformedBody, EmptyBody, TruncatedBody, SlowBody, Reset, Hang}

func (f Fault) String() string {
	if s, ok := faultNames[f]; ok {
		return s
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

// Proxy is a fault-injecting reverse proxy on a loopback port. Every
// request is counted, whether it is forwarded or failed. A Proxy is safe for
// concurrent use by multiple goroutines.
type Proxy struct {
	// URL is the proxy's base URL, http://127.0.0.1:PORT.
	URL string

	rp      *httputil.ReverseProxy
	closing chan struct{} // closed when the test ends: releases SlowBody and Hang answers

	mu        sync.Mutex
	fault     Fault
	operation string // "": any request
	remaining int    // requests left to fail; negative: until Clear
	requests  int
	calls     map[string]int
	injected  int
}

// New starts a proxy to target, a base URL such as a kumo server's, and
// stops it when t ends.
func New(t testing.TB, target string) *Proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		t.Fatalf("faultproxy: target %q is not a base URL", target)
	}
	// A transport of its own, so that its connections are closed with the
	// proxy; without compression, so that the faults that cut a body cut
	// the service's own bytes; without keep-alives, so that no request is
	// sent on a connection the service is closing as idle (kumo's server
	// closes one 10 s after its last request, by its ReadHeaderTimeout):
	// the proxy cannot resend a POST, and would answer 502 at once where
	// a fault promised a stall.
	tr := &http.Transport{DisableCompression: true, DisableKeepAlives: true}
	p := &Proxy{
		rp:      httputil.NewSingleHostReverseProxy(u),
		closing: make(chan struct{}),
		calls:   map[string]int{},
	}
	p.rp.Transport = tr
	p.rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		// The service itself failed, or the client went away: a 502 is
		// what a real proxy answers. A failure of the service is logged,
		// as it changes what the test sees.
		if r.Context().Err() == nil {
			t.Logf("faultproxy: %s: the service failed: %v", operation(r), err)
		}
		w.WriteHeader(http.StatusBadGateway)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(func() {
		close(p.closing)
		srv.Close()
		tr.CloseIdleConnections()
	})
	p.URL = srv.URL
	return p
}

// Fail makes the next n requests fail with f; with n < 0, every request
// until Clear. It replaces any failure still pending.
func (p *Proxy) Fail(f Fault, n int) { p.FailOperation("", f, n) }

// FailOperation is Fail for the requests of one operation only, as the
// X-Amz-Target header names it ("GetSecretValue", "GetParameter"); other
// requests are forwarded and do not count towards n.
func (p *Proxy) FailOperation(operation string, f Fault, n int) {
	if _, ok := faultNames[f]; !ok {
		panic(fmt.Sprintf("faultproxy: unknown fault %d", int(f)))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault, p.operation, p.remaining = f, operation, n
}

// Clear cancels the failures still pending: requests are forwarded again.
func (p *Proxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault, p.operation, p.remaining = 0, "", 0
}

// Requests returns how many requests reached the proxy.
func (p *Proxy) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests
}

// Calls returns how many requests for operation ("GetSecretValue") reached
// the proxy.
func (p *Proxy) Calls(operation string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[operation]
}

// Injected returns how many requests the proxy failed.
func (p *Proxy) Injected() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.injected
}

// operation returns the operation the JSON protocols of Secrets Manager and
// Parameter Store name in X-Amz-Target ("secretsmanager.GetSecretValue").
func operation(r *http.Request) string {
	target := r.Header.Get("X-Amz-Target")
	return target[strings.LastIndex(target, ".")+1:]
}

// take counts r and returns the fault to answer it with, 0 for none.
func (p *Proxy) take(r *http.Request) Fault {
	op := operation(r)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests++
	p.calls[op]++
	if p.remaining == 0 || p.operation != "" && p.operation != op {
		return 0
	}
	if p.remaining > 0 {
		p.remaining--
	}
	p.injected++
	return p.fault
}

// ServeHTTP answers r with the pending fault, or forwards it.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch f := p.take(r); f {
	case 0:
		p.rp.ServeHTTP(w, r)
	case InternalError:
		writeAWSError(w, http.StatusInternalServerError, "InternalFailure", "The request processing has failed because of an unknown error, exception or failure.")
	case Unavailable:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "503 Service Temporarily Unavailable\n")
	case Throttle:
		writeAWSError(w, http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
	case AccessDenied:
		writeAWSError(w, http.StatusBadRequest, "AccessDeniedException", "User is not authorized to perform this operation because no identity-based policy allows it")
	case EmptyBody:
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
	case Reset:
		reset(w)
	case Hang:
		select {
		case <-r.Context().Done():
		case <-p.closing:
		}
	default:
		p.mangle(w, r, f)
	}
}

func writeAWSError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	_, _ = fmt.Fprintf(w, `{"__type":%q,"message":%q}`, code, message)
}

// mangle forwards r and answers with the service's response damaged as f
// says.
func (p *Proxy) mangle(w http.ResponseWriter, r *http.Request, f Fault) {
	rec := httptest.NewRecorder()
	p.rp.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	length := len(body)
	if f == SlowBody && length == 0 {
		// A service that answered no body (or failed): promise one byte,
		// so that the client waits for it all the same.
		length = 1
	}
	w.Header().Set("Content-Length", strconv.Itoa(length))
	w.WriteHeader(rec.Code)
	switch f {
	case MalformedBody:
		// The last byte that is not white space: a JSON decoder stops
		// reading after the first value, so trailing bytes would do
		// nothing.
		if n := len(bytes.TrimRight(body, " \t\r\n")); n > 0 {
			body[n-1] = ']'
		}
		_, _ = w.Write(body)
	case TruncatedBody:
		// The handler returns having written less than Content-Length:
		// the server closes the connection.
		_, _ = w.Write(body[:len(body)/2])
	case SlowBody:
		_, _ = w.Write(body[:len(body)/2])
		http.NewResponseController(w).Flush()
		select {
		case <-r.Context().Done():
		case <-p.closing:
		}
	}
}

// reset closes the request's connection with a TCP reset.
func reset(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // the server closes the connection
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
