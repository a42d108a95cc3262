package kumotest

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// RequestLog is an http.RoundTripper that records the requests it sends.
// It is safe for concurrent use.
type RequestLog struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []*http.Request
}

// RoundTrip records r and sends it.
func (l *RequestLog) RoundTrip(r *http.Request) (*http.Response, error) {
	l.mu.Lock()
	l.reqs = append(l.reqs, r.Clone(r.Context()))
	l.mu.Unlock()
	return l.next.RoundTrip(r)
}

// Take returns the requests recorded since the last Take.
func (l *RequestLog) Take() []*http.Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.reqs
	l.reqs = nil
	return r
}

// Count returns how many requests for operation (as named in X-Amz-Target,
// "GetSecretValue", "GetParameters") were recorded since the last Take.
func (l *RequestLog) Count(operation string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.reqs {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), "."+operation) {
			n++
		}
	}
	return n
}

// LoggedConfig is Config with every request recorded in the returned log.
func (s *Server) LoggedConfig(t testing.TB) (aws.Config, *RequestLog) {
	t.Helper()
	cfg := s.Config(t)
	log := &RequestLog{next: awshttp.NewBuildableClient().GetTransport()}
	cfg.HTTPClient = &http.Client{Transport: log}
	return cfg, log
}
