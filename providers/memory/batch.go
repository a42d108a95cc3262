package memory

import (
	"context"
	"errors"
	"strings"

	"github.com/secretref/secretref/providers"
)

// BatchGroup puts every request in one group of MaxBatch.
func (s *Store) BatchGroup(providers.Request) (group string, max int) { return "", MaxBatch }

// MaxBatch is the most requests the store's batch group takes, as many as
// a Secrets Manager BatchGetSecretValue call.
const MaxBatch = 20

// FetchBatch serves each request as Fetch does, in one call.
func (s *Store) FetchBatch(ctx context.Context, reqs []providers.Request) []providers.BatchResult {
	out := make([]providers.BatchResult, len(reqs))
	if err := ctx.Err(); err != nil {
		for i := range out {
			out[i].Err = err
		}
		return out
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batchCalls++
	s.calls += len(reqs)
	for i, req := range reqs {
		out[i].Result, out[i].Err = s.fetch(req)
	}
	return out
}

// FetchPath returns the current version of every entry whose name is
// directly under path (path/NAME), or at any depth when recursive is set,
// keyed by name, as Parameter Store's GetParametersByPath does: path starts
// with '/', a trailing '/' is optional, names without a leading '/' are in
// no path, and /aws/reference/secretsmanager/ lists nothing. Region is
// ignored. A listing fails as a whole, as that call does: with the failure
// injected for path, or for every read; not with one of an entry's.
func (s *Store) FetchPath(ctx context.Context, path string, recursive bool, _ string) (map[string]*providers.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(path, "/") {
		return nil, providers.Classify(providers.ErrInvalidReference, errors.New("memory: a path starts with '/'"))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pathCalls++
	dir := strings.TrimSuffix(path, "/")
	for _, key := range []string{dir, dir + "/", ""} {
		if err := s.failures[key]; err != nil {
			return nil, err
		}
	}
	out := map[string]*providers.Result{}
	for name, sec := range s.secrets {
		rest, ok := strings.CutPrefix(name, dir+"/")
		if !ok || rest == "" || !recursive && strings.Contains(rest, "/") {
			continue
		}
		if i, ok := sec.stages[StageCurrent]; ok {
			out[name] = sec.result(i)
		}
	}
	return out, nil
}
