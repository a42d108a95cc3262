package exampletest

import (
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Proxy is a reverse proxy in front of an AWS endpoint that counts the
// calls it forwards, by operation. Programs under test are given its URL
// as their endpoint so that a test can see how often they call AWS.
type Proxy struct {
	// URL is the proxy's base URL, http://127.0.0.1:PORT.
	URL string

	mu     sync.Mutex
	counts map[string]int
}

// NewProxy starts a proxy to target that is closed when t ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{counts: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.count(r)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// count records r's operation, which the JSON protocols of Secrets Manager
// and Parameter Store name in X-Amz-Target ("secretsmanager.GetSecretValue").
func (p *Proxy) count(r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndex(target, ".")+1:]
	p.mu.Lock()
	p.counts[op]++
	p.mu.Unlock()
}

// Take returns how many calls of each operation were forwarded since the
// last Take.
func (p *Proxy) Take() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := maps.Clone(p.counts)
	clear(p.counts)
	return c
}
