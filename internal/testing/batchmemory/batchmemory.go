// Package batchmemory serves a memory store through the batch and path
// interfaces of package providers, as Parameter Store does, so that tests
// can exercise batch calls (GetMany, coalesced refreshes) and GetPath
// listings without the AWS emulator.
package batchmemory

import (
	"context"
	"strings"
	"sync"

	"github.com/secretref/secretref/providers"
	"github.com/secretref/secretref/providers/memory"
)

// MaxBatch is how many requests one FetchBatch call serves, as many as
// Parameter Store's GetParameters takes.
const MaxBatch = 10

// Store is a memory.Store that also fetches in batches and lists the names
// under a path. It is safe for concurrent use.
type Store struct {
	*memory.Store

	mu    sync.Mutex
	names map[string]struct{}
}

var (
	_ providers.BatchFetcher = (*Store)(nil)
	_ providers.PathFetcher  = (*Store)(nil)
)

// New returns an empty Store.
func New() *Store {
	return &Store{Store: memory.New(), names: make(map[string]struct{})}
}

// Put stores value as the new current version of name, as memory.Store's
// Put does, and remembers name for FetchPath.
func (s *Store) Put(name, value string) string {
	s.mu.Lock()
	s.names[name] = struct{}{}
	s.mu.Unlock()
	return s.Store.Put(name, value)
}

// Delete removes name and all its versions.
func (s *Store) Delete(name string) {
	s.mu.Lock()
	delete(s.names, name)
	s.mu.Unlock()
	s.Store.Delete(name)
}

// BatchGroup groups requests by region, MaxBatch at most.
func (s *Store) BatchGroup(req providers.Request) (string, int) {
	return req.Region, MaxBatch
}

// FetchBatch fetches each request in turn.
func (s *Store) FetchBatch(ctx context.Context, reqs []providers.Request) []providers.BatchResult {
	out := make([]providers.BatchResult, len(reqs))
	for i, req := range reqs {
		out[i].Result, out[i].Err = s.Fetch(ctx, req)
	}
	return out
}

// FetchPath fetches the current version of every name Put stored under
// path: directly under it, or at any depth when recursive is set.
func (s *Store) FetchPath(ctx context.Context, path string, recursive bool, _ string) (map[string]*providers.Result, error) {
	prefix := strings.TrimSuffix(path, "/") + "/"
	s.mu.Lock()
	var names []string
	for n := range s.names {
		rest, ok := strings.CutPrefix(n, prefix)
		if ok && rest != "" && (recursive || !strings.Contains(rest, "/")) {
			names = append(names, n)
		}
	}
	s.mu.Unlock()
	out := make(map[string]*providers.Result, len(names))
	for _, n := range names {
		res, err := s.Fetch(ctx, providers.Request{Name: n})
		if err != nil {
			return nil, err
		}
		out[n] = res
	}
	return out, nil
}
