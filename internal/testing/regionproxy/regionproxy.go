// Package regionproxy routes AWS requests to one server per region, by the
// region each request is signed for, so that a program given one endpoint
// (AWS_ENDPOINT_URL, or aws.Config.BaseEndpoint) reaches several emulated
// regions: two kumo servers started in two regions, each behind a fault
// proxy of its own, are two regions a Client can fail over between.
package regionproxy

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"sync"
	"testing"
)

// Proxy routes requests by their signing region.
type Proxy struct {
	// URL is the proxy's base URL, http://127.0.0.1:PORT.
	URL string

	mu      sync.Mutex
	targets map[string]*httputil.ReverseProxy
	counts  map[string]int
}

// New starts a proxy that sends a request signed for region r to
// targets[r], a base URL, and stops it when t ends. A request for another
// region is answered 421, as no endpoint would serve it.
func New(t testing.TB, targets map[string]string) *Proxy {
	t.Helper()
	p := &Proxy{targets: map[string]*httputil.ReverseProxy{}, counts: map[string]int{}}
	tr := &http.Transport{DisableKeepAlives: true, DisableCompression: true}
	for region, target := range targets {
		u, err := url.Parse(target)
		if err != nil || u.Host == "" {
			t.Fatalf("regionproxy: target %q of %s is not a base URL", target, region)
		}
		rp := httputil.NewSingleHostReverseProxy(u)
		rp.Transport = tr
		rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) }
		p.targets[region] = rp
	}
	srv := httptest.NewServer(p)
	t.Cleanup(func() {
		srv.Close()
		tr.CloseIdleConnections()
	})
	p.URL = srv.URL
	return p
}

// scope finds the region of a SigV4 Authorization header's credential
// scope: Credential=KEY/DATE/REGION/SERVICE/aws4_request.
var scope = regexp.MustCompile(`Credential=[^/]+/[0-9]+/([a-z0-9-]+)/`)

// ServeHTTP forwards r to the server of the region it is signed for.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := scope.FindStringSubmatch(r.Header.Get("Authorization"))
	region := ""
	if m != nil {
		region = m[1]
	}
	p.mu.Lock()
	rp := p.targets[region]
	p.counts[region]++
	p.mu.Unlock()
	if rp == nil {
		http.Error(w, "no endpoint for region "+region, http.StatusMisdirectedRequest)
		return
	}
	rp.ServeHTTP(w, r)
}

// Requests returns how many requests were signed for region.
func (p *Proxy) Requests(region string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts[region]
}
