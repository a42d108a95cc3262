package cache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// flight is one key's load in progress. Every caller that needs the load
// waits on done; out is written once, before done is closed.
type flight[V any] struct {
	seq     uint64
	started int64 // when the load began, on the cache's clock
	done    chan struct{}
	out     outcome[V]
}

type backgroundKey struct{}

// IsBackground reports whether ctx is the context of a load that no caller
// waits for (a background or coalesced refresh): for a loader that reports
// it, in a trace say.
func IsBackground(ctx context.Context) bool {
	b, _ := ctx.Value(backgroundKey{}).(bool)
	return b
}

// abandonAfter is how long after its context ended a load whose loader has
// not returned is abandoned: its callers are answered with the context's
// error, and its result, when it comes, is dropped.
const abandonAfter = 100 * time.Millisecond

// job is one call of the loader (one entry) or of the batch loader (one
// chunk of a batch group), and the flights it answers.
type job[K comparable, V any] struct {
	parent  context.Context // its values are the load's; its cancellation is not
	entries []*entry[K, V]
	flights []*flight[V]
	batch   bool
	// why is the refresh this is, 0 for a load of a key that held nothing
	// to serve; with background set no caller waits for it, and with
	// several entries all but the first are coalesced into its call.
	why        Refresh
	background bool
	settled    atomic.Bool
}

// beginJobLocked starts a flight for each of entries, which have none, and
// returns the job that will answer them with the first flight. why says
// what refresh it is, 0 for a read that found nothing to serve. The job
// runs when launched.
func (c *Cache[K, V]) beginJobLocked(parent context.Context, entries []*entry[K, V], now int64, why Refresh) (*job[K, V], *flight[V]) {
	j := &job[K, V]{parent: parent, entries: entries, batch: len(entries) > 1, why: why}
	j.flights = make([]*flight[V], len(entries))
	for i, e := range entries {
		c.seq++
		f := &flight[V]{seq: c.seq, started: now, done: make(chan struct{})}
		e.flight = f
		e.loading.Store(true)
		j.flights[i] = f
	}
	c.running[j] = struct{}{}
	// Counted here, under the lock Close takes before it waits for the
	// loads: a job begun before Close is waited for, and none begins after.
	c.loads.Add(1)
	entries[0].group.throttle.started(now)
	return j, j.flights[0]
}

// launch runs j, begun by beginJobLocked, on a goroutine of its own.
func (c *Cache[K, V]) launch(j *job[K, V]) {
	go func() {
		defer c.loads.Done()
		c.runContained(j)
	}()
}

// runContained runs j, answering its flights with ErrLoadPanicked if
// anything it calls panics (the loader's panics are caught closer, so this
// is an observer's or a hook's): no panic of a goroutine the cache started
// ends the process, and none is printed, as it could hold a value.
func (c *Cache[K, V]) runContained(j *job[K, V]) {
	defer func() {
		if r := recover(); r != nil {
			c.answer(j, nil, panicError(r))
		}
	}()
	c.run(j)
}

// run calls the loader for j on a context detached from its callers,
// bounded by LoadTimeout and cancelled by Close, and answers j's flights.
// When that context ends before the loader returns (a loader that ignores
// it), the flights are answered with the context's error at once and the
// loader's late result is dropped.
func (c *Cache[K, V]) run(j *job[K, V]) {
	keys := make([]K, len(j.entries))
	for i, e := range j.entries {
		keys[i] = e.key
	}
	if j.why != 0 {
		c.stats.refreshes.Add(uint64(len(keys)))
		c.opts.Observer.Refreshing(keys[:1], j.why)
		if len(keys) > 1 {
			c.opts.Observer.Refreshing(keys[1:], RefreshCoalesced)
		}
	}
	parent := context.WithoutCancel(j.parent)
	if j.background {
		parent = context.WithValue(parent, backgroundKey{}, true)
	}
	ctx, cancel := context.WithTimeout(parent, c.opts.LoadTimeout)
	defer cancel()
	stopRoot := context.AfterFunc(c.root, cancel)
	defer stopRoot()
	// A loader that honours its context returns its own (classified) error
	// when the context ends; one that does not is abandoned a moment later.
	var watchdog atomic.Pointer[time.Timer]
	stopWatchdog := context.AfterFunc(ctx, func() {
		watchdog.Store(time.AfterFunc(abandonAfter, func() {
			err := ctx.Err()
			if c.root.Err() != nil {
				err = ErrClosed
			}
			c.answer(j, nil, err)
		}))
	})
	defer func() {
		if !stopWatchdog() {
			if t := watchdog.Load(); t != nil {
				t.Stop()
			}
		}
	}()
	c.stats.loads.Add(uint64(len(keys)))
	c.answer(j, c.callLoader(ctx, j.batch, keys), nil)
}

// callLoader calls the loader or the batch loader, turning a panic or a
// malformed answer into an error for every key.
func (c *Cache[K, V]) callLoader(ctx context.Context, batch bool, keys []K) (res []Loaded[V]) {
	defer func() {
		if r := recover(); r != nil {
			res = failAll[V](len(keys), panicError(r))
		}
	}()
	if !batch {
		return []Loaded[V]{c.load(ctx, keys[0])}
	}
	res = c.opts.BatchLoad(ctx, keys)
	if len(res) != len(keys) {
		return failAll[V](len(keys), fmt.Errorf("batch loader returned %d results for %d keys", len(res), len(keys)))
	}
	return res
}

func failAll[V any](n int, err error) []Loaded[V] {
	res := make([]Loaded[V], n)
	for i := range res {
		res[i].Err = err
	}
	return res
}

// answer settles j's flights with res, or with err for every key when res
// is nil, unless they were settled already: it stores what settle says,
// tells the observer and logs the failures of a refresh that no caller was
// told of, with no lock held, and wakes the waiters.
func (c *Cache[K, V]) answer(j *job[K, V], res []Loaded[V], err error) {
	if !j.settled.CompareAndSwap(false, true) {
		return
	}
	if res == nil {
		res = failAll[V](len(j.entries), err)
	}
	v := c.weigh(j, res)
	replaced := c.settleJob(j, res, v)
	// Reported before the waiters wake, so that a caller served a stale
	// value finds its failure logged when its read returns.
	c.report(j, res, replaced)
	for _, f := range j.flights {
		close(f.done)
	}
}

// verdict is what the options' functions say of a job's results. They are
// the user's: weigh calls them before the lock is taken.
type verdict[V any] struct {
	transient []bool // per result: its error may be ridden out
	throttled bool   // some result says the backend throttles
	// Per result from a replica: Newer did not find it newer than the
	// state it was weighed against (lagging).
	replica []bool
	lagging []bool
	against []*state[V]
}

func (c *Cache[K, V]) weigh(j *job[K, V], res []Loaded[V]) verdict[V] {
	n := len(res)
	v := verdict[V]{transient: make([]bool, n), replica: make([]bool, n), lagging: make([]bool, n), against: make([]*state[V], n)}
	for i, r := range res {
		if r.Err != nil {
			c.stats.loadErrors.Add(1)
			v.transient[i] = c.opts.IsTransient(r.Err)
			v.throttled = v.throttled || c.opts.IsThrottled(r.Err)
			continue
		}
		v.replica[i] = r.FromReplica
		if prev := j.entries[i].state.Load(); r.FromReplica && prev != nil && prev.err == nil {
			v.against[i] = prev
			v.lagging[i] = !c.opts.Newer(r.Value, prev.val)
		}
	}
	return v
}

// laggingLocked reports whether result i of a job, weighed by v, is a
// replica's value no newer than prev, its entry's state now. When a value
// was stored since it was weighed, Newer has not seen that one: a
// replica's value is then taken as lagging it.
func (v verdict[V]) laggingLocked(i int, prev *state[V]) bool {
	switch {
	case !v.replica[i], prev == nil || prev.err != nil:
		return false
	case v.against[i] == nil || prev.seq != v.against[i].seq:
		return true
	}
	return v.lagging[i]
}

// replacement is a value a load stored over another, for the observer.
type replacement[K comparable, V any] struct {
	key        K
	prev, next V
}

// settleJob settles each of j's flights with its result under the lock,
// storing what settle says and adapting the batch group's throttle, and
// returns the values that replaced others.
func (c *Cache[K, V]) settleJob(j *job[K, V], res []Loaded[V], v verdict[V]) []replacement[K, V] {
	now := c.clock.now()
	spread := rand.Float64()
	var replaced []replacement[K, V]
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.running, j)
	if !c.closed {
		j.entries[0].group.throttle.observe(now, v.throttled)
	}
	for i, e := range j.entries {
		f := j.flights[i]
		if e.flight == f {
			e.flight = nil
			e.loading.Store(false)
		}
		if c.closed {
			f.out = outcome[V]{err: ErrClosed}
			continue
		}
		prev := e.state.Load()
		next, out, ch := c.settle(prev, landing[V]{seq: f.seq, floor: e.floor, r: res[i], transient: v.transient[i],
			lagging: v.laggingLocked(i, prev), spread: spread, now: now})
		// The callers get out even when e was evicted meanwhile: they
		// asked for a value, not for an entry.
		f.out = out
		if e.dead.Load() {
			continue
		}
		if r := c.applyLocked(e, f, prev, next, ch, now); r != nil {
			replaced = append(replaced, *r)
		}
	}
	return replaced
}

// applyLocked carries out settle's change ch of e's state from prev to
// next, made by the load of flight f, and returns what replaced what.
func (c *Cache[K, V]) applyLocked(e *entry[K, V], f *flight[V], prev, next *state[V], ch change, now int64) *replacement[K, V] {
	switch ch {
	case store:
		e.state.Store(next)
		c.scheduleWatchLocked(e.key, next.nextRefresh())
		if next.err != nil || next.failures > 0 {
			return nil // a failure stored: a negative entry, or the last good value kept
		}
		// Queued under the lock, so watchers hear versions in the order
		// they were stored.
		c.notifyLocked(e.key, next.val)
		if prev != nil && prev.err == nil {
			return &replacement[K, V]{e.key, prev.val, next.val}
		}
	case drop:
		if e.forced == f {
			// Keep the entry, empty, so that Refreshes within the
			// interval share this failure instead of fetching again.
			e.state.Store(nil)
		} else {
			c.removeLocked(e)
		}
		c.scheduleWatchLocked(e.key, now+int64(c.opts.RetryBackoff))
	}
	return nil
}

// report tells the observer of new versions and logs the failures of a
// refresh that no caller was told of, with no lock held.
func (c *Cache[K, V]) report(j *job[K, V], res []Loaded[V], replaced []replacement[K, V]) {
	for i, r := range res {
		if r.Err == nil {
			continue
		}
		if out := j.flights[i].out; j.why != RefreshForced && (j.background || out.stale) {
			c.logFailure(j.entries[i].key, r.Err, out.stale)
		}
	}
	for _, r := range replaced {
		if !c.sameVersion(r.prev, r.next) {
			c.opts.Observer.NewVersion(r.key)
		}
	}
}

func (c *Cache[K, V]) sameVersion(a, b V) bool {
	return c.opts.SameVersion != nil && c.opts.SameVersion(a, b)
}
