// Package memory is an in-process secret store with versions and staging
// labels, for unit tests of code that reads secrets and for examples (see
// package secretstest for a Client over one). It behaves like Secrets
// Manager: putting a value makes a new version and moves AWSCURRENT to it
// and AWSPREVIOUS to the version it replaced. Version ids count up from 1
// per secret, so a Parameter Store style selector (name:2) reads a version
// too.
//
// One Store can serve both the "sm" and "ssm" schemes: a name, a Secrets
// Manager ARN (full, with the six random characters, or partial), a
// Parameter Store ARN and an /aws/reference/secretsmanager/ path all name
// the same entry. It is as strict as the services where a test would
// otherwise pass and production fail: Put takes only names one of them
// takes (see CheckName), a name is in the store's account and region
// (Region, Account), and an ARN of another account or region, or a full
// ARN with other six characters, names another entry. It lists the
// entries under a path as GetParametersByPath does, and fetches batches.
package memory

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/secretref/secretref/providers"
)

// Staging labels that Secrets Manager itself uses.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
	StagePending  = "AWSPENDING"
)

// Store holds secrets in memory. The zero Store is not usable; call New.
// A Store is safe for concurrent use by multiple goroutines.
type Store struct {
	mu         sync.Mutex
	secrets    map[string]*secret // by name: an ARN's under the name it names (see candidates)
	failures   map[string]error   // likewise; "" fails every read
	calls      int                // values asked for
	batchCalls int
	pathCalls  int
}

type secret struct {
	versions     []version      // versions[i] has id i+1
	stages       map[string]int // label -> index into versions
	nextRotation time.Time      // zero: no rotation scheduled
	replicas     []string       // regions, as SetReplicas set them
	suffix       string         // the six characters of its full ARN, when a Put by that ARN chose them
}

type version struct {
	value   []byte
	binary  bool
	created time.Time
}

var (
	_ providers.Describer    = (*Store)(nil)
	_ providers.Staged       = (*Store)(nil)
	_ providers.BatchFetcher = (*Store)(nil)
	_ providers.PathFetcher  = (*Store)(nil)
)

// PendingStage returns StagePending, the label PutPending puts on a
// rotation's new version.
func (s *Store) PendingStage() string { return StagePending }

// New returns an empty Store.
func New() *Store {
	return &Store{secrets: make(map[string]*secret), failures: make(map[string]error)}
}

// Put stores value as the new current version of name (a name or an
// ARN: see the package doc) and returns its version id. Put, PutBinary,
// PutPending and Rotate panic with the error of CheckName for a name
// neither Secrets Manager nor Parameter Store takes, and for a full ARN of
// a secret whose full ARN has other six characters: a test's set-up is
// wrong.
func (s *Store) Put(name, value string) string {
	return s.put(name, []byte(value), false, StageCurrent)
}

// PutBinary stores value as the new current version of name, as a binary
// secret, and returns its version id.
func (s *Store) PutBinary(name string, value []byte) string {
	return s.put(name, value, true, StageCurrent)
}

// PutPending stores value as a new version of name labelled AWSPENDING
// only, as a rotation function does between its createSecret and
// finishSecret steps, and returns its version id.
func (s *Store) PutPending(name, value string) string {
	return s.put(name, []byte(value), false, StagePending)
}

// Rotate does what a rotation function does, at once: it stores value as a
// new version of name labelled AWSPENDING, then moves AWSCURRENT to it and
// AWSPREVIOUS to the version it replaces, and removes AWSPENDING (after a
// rotation Secrets Manager leaves it on the current version or on none;
// SetStage alone leaves it on). It returns the new version's id.
func (s *Store) Rotate(name, value string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec, i := s.add(name, []byte(value), false, StagePending, StageCurrent)
	sec.unlabel(StagePending, i)
	return strconv.Itoa(i + 1)
}

// put stores value as a new version of name and moves stages to it, in
// order, at once.
func (s *Store) put(name string, value []byte, binary bool, stages ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, i := s.add(name, value, binary, stages...)
	return strconv.Itoa(i + 1)
}

// add is put with s.mu held; it returns the secret and the new version's
// index.
func (s *Store) add(name string, value []byte, binary bool, stages ...string) (*secret, int) {
	if err := CheckName(name); err != nil {
		panic(err)
	}
	sec, err := s.entry(name)
	if err != nil {
		panic(err)
	}
	sec.versions = append(sec.versions, version{value: append([]byte(nil), value...), binary: binary, created: time.Now()})
	i := len(sec.versions) - 1
	for _, stage := range stages {
		sec.label(stage, i)
	}
	return sec, i
}

// label moves stage to version i, as UpdateSecretVersionStage does: a
// label is on one version at a time, and the version keeps its other
// labels. Moving AWSCURRENT moves AWSPREVIOUS to the version that was
// current; it leaves AWSPENDING where it is, so that after a rotation
// function's finishSecret the new current version is also the pending one
// until the next rotation's createSecret moves that label.
func (sec *secret) label(stage string, i int) {
	if stage == StageCurrent {
		if old, ok := sec.stages[StageCurrent]; ok && old != i {
			sec.stages[StagePrevious] = old
		}
	}
	sec.stages[stage] = i
}

// unlabel removes stage from version i, if it is there.
func (sec *secret) unlabel(stage string, i int) {
	if j, ok := sec.stages[stage]; ok && j == i {
		delete(sec.stages, stage)
	}
}

// SetStage moves a staging label (or parameter label) of name to the
// version with id versionID, like Secrets Manager's UpdateSecretVersionStage
// with MoveToVersionId: the version keeps its other labels, and moving
// AWSCURRENT moves AWSPREVIOUS to the version that was current.
func (s *Store) SetStage(name, stage, versionID string) error {
	return s.stage(name, versionID, func(sec *secret, i int) { sec.label(stage, i) })
}

// RemoveStage removes a staging label of name from the version with id
// versionID, like UpdateSecretVersionStage with RemoveFromVersionId alone;
// a version without the label is left as it is.
func (s *Store) RemoveStage(name, stage, versionID string) error {
	return s.stage(name, versionID, func(sec *secret, i int) { sec.unlabel(stage, i) })
}

// stage calls move with the version of name with id versionID.
func (s *Store) stage(name, versionID string, move func(sec *secret, i int)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.find(name)
	if sec == nil {
		return fmt.Errorf("memory: no secret %q: %w", name, providers.ErrNotFound)
	}
	i, ok := sec.index(versionID)
	if !ok {
		return fmt.Errorf("memory: secret %q has no version %q: %w", name, versionID, providers.ErrNotFound)
	}
	move(sec, i)
	return nil
}

// SetNextRotation schedules name's next rotation at t, as Secrets Manager
// reports in DescribeSecret's NextRotationDate; a zero t unschedules it.
func (s *Store) SetNextRotation(name string, t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.find(name)
	if sec == nil {
		return fmt.Errorf("memory: no secret %q: %w", name, providers.ErrNotFound)
	}
	sec.nextRotation = t
	return nil
}

// SetReplicas sets the regions name is replicated to, as Secrets Manager
// reports in DescribeSecret's ReplicationStatus. The store itself is one
// region: it serves name in every region it is asked in.
func (s *Store) SetReplicas(name string, regions ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.find(name)
	if sec == nil {
		return fmt.Errorf("memory: no secret %q: %w", name, providers.ErrNotFound)
	}
	sec.replicas = append([]string(nil), regions...)
	return nil
}

// Describe returns what SetNextRotation and SetReplicas set for req.Name.
func (s *Store) Describe(ctx context.Context, req providers.Request) (providers.Description, error) {
	if err := ctx.Err(); err != nil {
		return providers.Description{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.find(req.Name)
	if sec == nil {
		return providers.Description{}, notFound(req.Name)
	}
	return providers.Description{NextRotation: sec.nextRotation, Replicas: append([]string(nil), sec.replicas...)}, nil
}

// Delete removes name and all its versions.
func (s *Store) Delete(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.secrets, s.key(name))
}

// Fail makes every Fetch of name, by any of its names, and every request of
// a batch for it, return err until Fail(name, nil). An empty name fails
// every Fetch, batch request and listing of a path. Use a classified error
// (providers.Classify) to test how callers ride out throttling or an
// outage.
func (s *Store) Fail(name string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := name
	if name != "" {
		key = s.key(name)
	}
	if err == nil {
		delete(s.failures, key)
		return
	}
	s.failures[key] = err
}

// Calls returns how many values were asked for: one per Fetch and one per
// request of a FetchBatch.
func (s *Store) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// BatchCalls returns how many times FetchBatch was called.
func (s *Store) BatchCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.batchCalls
}

// PathCalls returns how many times FetchPath was called.
func (s *Store) PathCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pathCalls
}

func notFound(name string) error {
	return providers.Classify(providers.ErrNotFound, fmt.Errorf("memory: no secret %q", name))
}

// Fetch returns the version of req.Name that req.VersionID or req.Stage
// selects, AWSCURRENT when neither is set.
func (s *Store) Fetch(ctx context.Context, req providers.Request) (*providers.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return s.fetch(req)
}

// fetch serves one request. s.mu is held.
func (s *Store) fetch(req providers.Request) (*providers.Result, error) {
	if err := s.failure(req.Name); err != nil {
		return nil, err
	}
	if req.SkipDecryption {
		return nil, providers.Classify(providers.ErrInvalidReference, errors.New("the memory store does not encrypt"))
	}
	sec := s.find(req.Name)
	if sec == nil {
		return nil, notFound(req.Name)
	}
	i, ok := sec.stages[StageCurrent]
	switch {
	case req.VersionID != "":
		i, ok = sec.index(req.VersionID)
	case req.Stage != "":
		i, ok = sec.stages[req.Stage]
	}
	if !ok {
		return nil, providers.Classify(providers.ErrNotFound, fmt.Errorf("memory: secret %q has no such version", req.Name))
	}
	return sec.result(i), nil
}

// result returns a copy of version i.
func (sec *secret) result(i int) *providers.Result {
	v := sec.versions[i]
	return &providers.Result{
		Value:   append([]byte(nil), v.value...),
		Binary:  v.binary,
		Version: strconv.Itoa(i + 1),
		Created: v.created,
	}
}

func (sec *secret) index(versionID string) (int, bool) {
	n, err := strconv.Atoi(versionID)
	if err != nil || n < 1 || n > len(sec.versions) {
		return 0, false
	}
	return n - 1, true
}
