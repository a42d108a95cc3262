package cache

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// watchSet holds the watchers of one key and the timer that keeps the key
// loaded while anyone watches it.
type watchSet[V any] struct {
	list  []*watcher[V]
	timer *time.Timer
}

// stopLocked stops the timer and every watcher, without waiting for a
// watch function that is running (it may be waiting for the cache's lock).
func (ws *watchSet[V]) stopLocked() {
	if ws.timer != nil {
		ws.timer.Stop()
	}
	for _, w := range ws.list {
		w.markStopped()
	}
}

// watcher delivers values to one watch function, in order, on a goroutine of
// its own that runs only while values are queued.
type watcher[V any] struct {
	fn       func(V)
	same     func(old, new V) bool
	log      *slog.Logger
	key      any
	observed func() // tells the observer of a delivery

	mu       sync.Mutex
	queue    []V
	running  bool
	stopped  bool
	last     V // the value last given to fn; owned by the delivering goroutine
	reported bool
}

// Watch calls fn with each new version of k's value that the cache loads
// from now on: a value is new when Options.SameVersion says it differs from
// the one fn saw last (at first, the one cached when Watch was called; when
// none was, the first value loaded is new). fn is called once per new
// version, in order, on a goroutine of its own, never with a lock held.
//
// While k has a watcher, the cache keeps k loaded without waiting for a Get:
// it reloads k when a read would have refreshed it. Call stop to remove the
// watcher: no call of fn begins after stop returns. Like time.Timer's Stop,
// stop does not wait for a call that is running, so fn may call it.
func (c *Cache[K, V]) Watch(k K, fn func(V)) (stop func()) {
	w := &watcher[V]{fn: fn, same: c.opts.SameVersion, log: c.opts.Logger, key: k,
		observed: func() { c.opts.Observer.Delivered(k) }}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return func() {}
	}
	now := c.clock.now()
	next := now
	if e, ok := c.index.LoadExact(k); ok {
		if st := e.state.Load(); st != nil && st.err == nil {
			w.last, w.reported = st.val, true
			next = st.nextRefresh()
		}
	}
	ws := c.watchers[k]
	if ws == nil {
		ws = &watchSet[V]{}
		c.watchers[k] = ws
	}
	ws.list = append(ws.list, w)
	c.scheduleWatchLocked(k, next)
	var once sync.Once
	return func() { once.Do(func() { c.unwatch(k, w) }) }
}

func (c *Cache[K, V]) unwatch(k K, w *watcher[V]) {
	w.markStopped()
	c.mu.Lock()
	defer c.mu.Unlock()
	if ws := c.watchers[k]; ws != nil {
		for i, x := range ws.list {
			if x == w {
				ws.list = append(ws.list[:i], ws.list[i+1:]...)
				break
			}
		}
		if len(ws.list) == 0 {
			ws.stopLocked()
			delete(c.watchers, k)
		}
	}
}

// notifyLocked queues v for every watcher of k. Watch functions run on
// the watchers' own goroutines, never under the lock.
func (c *Cache[K, V]) notifyLocked(k K, v V) {
	if ws := c.watchers[k]; ws != nil {
		for _, w := range ws.list {
			w.deliver(v)
		}
	}
}

// scheduleWatchLocked sets when a watched key is next polled: at, on the
// cache's clock.
func (c *Cache[K, V]) scheduleWatchLocked(k K, at int64) {
	ws := c.watchers[k]
	if ws == nil {
		return
	}
	if ws.timer != nil {
		ws.timer.Stop()
	}
	ws.timer = time.AfterFunc(time.Duration(max(at-c.clock.now(), 0)), func() { c.poll(k) })
}

// poll loads a watched key if it is due for a refresh.
func (c *Cache[K, V]) poll(k K) {
	e, err := c.entryFor(k)
	if err != nil {
		return
	}
	c.mu.Lock()
	if c.closed || c.watchers[k] == nil || e.dead.Load() || e.flight != nil {
		// A load in flight reschedules the poll when it ends.
		c.mu.Unlock()
		return
	}
	now := c.clock.now()
	st := e.state.Load()
	launch := func() {}
	switch {
	case st != nil && now < st.nextRefresh():
		c.scheduleWatchLocked(k, st.nextRefresh())
	case st.servable(now):
		launch = c.refreshLocked(e, st, now, RefreshAhead)
	default:
		j, _ := c.beginJobLocked(context.Background(), []*entry[K, V]{e}, now, RefreshAhead)
		j.background = true
		launch = func() { c.launch(j) }
	}
	c.mu.Unlock()
	launch()
}

func (w *watcher[V]) deliver(v V) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	w.queue = append(w.queue, v)
	if !w.running {
		w.running = true
		go w.drain()
	}
}

func (w *watcher[V]) drain() {
	for {
		v, ok := w.next()
		if !ok {
			return
		}
		if w.reported && w.same != nil && w.same(w.last, v) {
			continue
		}
		w.last, w.reported = v, true
		w.call(v)
	}
}

// next takes the next queued value, or reports that there is none (or the
// watcher stopped) and ends the delivery run.
func (w *watcher[V]) next() (V, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped || len(w.queue) == 0 {
		w.running = false
		w.queue = nil
		var zero V
		return zero, false
	}
	v := w.queue[0]
	w.queue = w.queue[1:]
	return v, true
}

// call calls fn with v unless the watcher was stopped. Whether it was is
// read under the lock markStopped takes: a call either finds it stopped
// and ends, or began before stop returned.
func (w *watcher[V]) call(v V) {
	w.mu.Lock()
	stopped := w.stopped
	w.mu.Unlock()
	if stopped {
		return
	}
	defer func() {
		if r := recover(); r != nil && w.log != nil {
			w.log.Error("cache: watch function panicked", slog.Any("key", w.key), slog.String("panic", panicError(r).Error()))
		}
	}()
	w.observed()
	w.fn(v)
}

// markStopped ends deliveries: no call of fn begins after it.
func (w *watcher[V]) markStopped() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	w.queue = nil
}
