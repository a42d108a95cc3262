package faultproxy

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// upstreamBody is what the service behind the proxy answers.
const upstreamBody = `{"Name":"db","SecretString":"upstream-value","VersionId":"v1"}`

// start returns a proxy in front of a service that answers upstreamBody,
// and a client for it.
func start(t *testing.T) (*Proxy, *http.Client) {
	t.Helper()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, upstreamBody)
	}))
	t.Cleanup(upstream.Close)
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return New(t, upstream.URL), &http.Client{Transport: tr}
}

// answer is what a client made of one response.
type answer struct {
	status int
	header http.Header
	body   string
	err    error // of the request or of reading the body
}

// call sends one request for operation and reads the whole answer.
func call(ctx context.Context, c *http.Client, url, operation string) answer {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"SecretId":"db"}`))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("X-Amz-Target", "secretsmanager."+operation)
	resp, err := c.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: string(body), err: err}
}

func TestFaults(t *testing.T) {
	awsError := func(status int, code string) func(*testing.T, answer) {
		return func(t *testing.T, a answer) {
			var body struct {
				Type string `json:"__type"`
			}
			if a.err != nil || a.status != status || a.header.Get("X-Amzn-ErrorType") != code ||
				json.Unmarshal([]byte(a.body), &body) != nil || body.Type != code {
				t.Errorf("status %d, error type header %q, body %q, error %v; want %d and %s",
					a.status, a.header.Get("X-Amzn-ErrorType"), a.body, a.err, status, code)
			}
		}
	}
	for _, tc := range []struct {
		fault Fault
		check func(*testing.T, answer)
	}{
		{InternalError, awsError(http.StatusInternalServerError, "InternalFailure")},
		{Throttle, awsError(http.StatusBadRequest, "ThrottlingException")},
		{AccessDenied, awsError(http.StatusBadRequest, "AccessDeniedException")},
		{Unavailable, func(t *testing.T, a answer) {
			if a.err != nil || a.status != http.StatusServiceUnavailable {
				t.Errorf("status %d, error %v; want 503", a.status, a.err)
			}
		}},
		{MalformedBody, func(t *testing.T, a answer) {
			if a.err != nil || a.status != http.StatusOK || len(a.body) != len(upstreamBody) || json.Valid([]byte(a.body)) {
				t.Errorf("status %d, body %q, error %v; want 200 and the service's body made invalid", a.status, a.body, a.err)
			}
		}},
		{EmptyBody, func(t *testing.T, a answer) {
			if a.err != nil || a.status != http.StatusOK || a.body != "" {
				t.Errorf("status %d, body %q, error %v; want 200 and no body", a.status, a.body, a.err)
			}
		}},
		{TruncatedBody, func(t *testing.T, a answer) {
			if !errors.Is(a.err, io.ErrUnexpectedEOF) || a.body != upstreamBody[:len(upstreamBody)/2] {
				t.Errorf("body %q, error %v; want half the service's body and an unexpected EOF", a.body, a.err)
			}
		}},
		{SlowBody, func(t *testing.T, a answer) {
			if !errors.Is(a.err, context.DeadlineExceeded) || a.body != upstreamBody[:len(upstreamBody)/2] {
				t.Errorf("body %q, error %v; want half the service's body, then the client's deadline", a.body, a.err)
			}
		}},
		{Reset, func(t *testing.T, a answer) {
			if !errors.Is(a.err, syscall.ECONNRESET) {
				t.Errorf("status %d, error %v; want a connection reset", a.status, a.err)
			}
		}},
		{Hang, func(t *testing.T, a answer) {
			if !errors.Is(a.err, context.DeadlineExceeded) || a.status != 0 {
				t.Errorf("status %d, error %v; want no answer, then the client's deadline", a.status, a.err)
			}
		}},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			p, c := start(t)
			p.Fail(tc.fault, 1)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second) // SlowBody waits it out
			defer cancel()
			tc.check(t, call(ctx, c, p.URL, "GetSecretValue"))
			// The fault was for one request: the next is forwarded.
			if a := call(context.Background(), c, p.URL, "GetSecretValue"); a.err != nil || a.body != upstreamBody {
				t.Errorf("next request: body %q, error %v; want the service's answer", a.body, a.err)
			}
			if p.Requests() != 2 || p.Injected() != 1 {
				t.Errorf("%d requests, %d faults; want 2 and 1", p.Requests(), p.Injected())
			}
		})
	}
}

func TestFailCounts(t *testing.T) {
	p, c := start(t)
	ctx := context.Background()
	statuses := func(operation string, n int) []int {
		var s []int
		for range n {
			s = append(s, call(ctx, c, p.URL, operation).status)
		}
		return s
	}
	const ok, throttled = http.StatusOK, http.StatusBadRequest

	p.Fail(Throttle, 2)
	check(t, "Fail(Throttle, 2)", statuses("GetSecretValue", 3), throttled, throttled, ok)

	p.FailOperation("GetSecretValue", Throttle, 1)
	check(t, "FailOperation, another operation", statuses("DescribeSecret", 2), ok, ok)
	check(t, "FailOperation, its operation", statuses("GetSecretValue", 2), throttled, ok)

	p.Fail(Throttle, -1)
	check(t, "Fail(Throttle, -1)", statuses("GetSecretValue", 3), throttled, throttled, throttled)
	p.Clear()
	check(t, "Clear", statuses("GetSecretValue", 1), ok)

	if p.Requests() != 11 || p.Calls("GetSecretValue") != 9 || p.Calls("DescribeSecret") != 2 || p.Injected() != 6 {
		t.Errorf("%d requests (%d GetSecretValue, %d DescribeSecret), %d faults; want 11 (9, 2), 6",
			p.Requests(), p.Calls("GetSecretValue"), p.Calls("DescribeSecret"), p.Injected())
	}
}

// check fails t unless statuses are want.
func check(t *testing.T, what string, statuses []int, want ...int) {
	t.Helper()
	if !slices.Equal(statuses, want) {
		t.Errorf("%s: answers %v, want %v", what, statuses, want)
	}
}

// Concurrent requests take exactly the faults asked for.
func TestConcurrentRequests(t *testing.T) {
	p, c := start(t)
	const requests, faults = 50, 10
	p.Fail(InternalError, faults)
	var mu sync.Mutex
	failed := 0
	var wg sync.WaitGroup
	for range requests {
		wg.Go(func() {
			a := call(context.Background(), c, p.URL, "GetSecretValue")
			if a.err != nil {
				t.Error(a.err)
			}
			if a.status == http.StatusInternalServerError {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if failed != faults || p.Requests() != requests || p.Injected() != faults {
		t.Errorf("%d failed of %d requests, %d faults counted; want %d of %d", failed, p.Requests(), p.Injected(), faults, requests)
	}
}

func TestResolver(t *testing.T) {
	r := Resolver(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, host := range []string{"secrets.faults.invalid", "secretsmanager.xx-nowhere-9.amazonaws.com"} {
		_, err := r.LookupHost(ctx, host)
		var dnsErr *net.DNSError
		if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
			t.Errorf("LookupHost(%q): %v, want \"no such host\"", host, err)
		}
	}
}

// A stall fault stalls even when the service behind the proxy fails: the
// test that asked for a stall must see one, not a 502 at once.
func TestSlowBodyStallsWhenTheServiceFails(t *testing.T) {
	dead := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	dead.Close() // nothing listens there now
	p := New(t, dead.URL)
	p.Fail(SlowBody, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, strings.NewReader("{}"))
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("read through a SlowBody fault of a failing service: %v, want the deadline's", err)
	}
}
