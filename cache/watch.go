package cache

import (
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

func (ws *watchSet[V]) stopLocked() {
	if ws.timer != nil {
		ws.timer.Stop()
	}
	for _, w := range ws.list {
		w.stop()
	}
}

// watcher delivers values to one watch function, in order, on a goroutine of
// its own that runs only while values are queued.
type watcher[V any] struct {
	fn   func(V)
	same func(old, new V) bool
	log  *slog.Logger
	key  any

	mu       sync.Mutex
	queue    []V
	running  bool
	stopped  bool
	last     V // the value last given to fn; owned by the delivering goroutine
	reported bool
}

type delivery[V any] struct {
	w *watcher[V]
	v V
}

// Watch calls fn with each new version of k's value that the cache loads
// from now on: a value is new when Options.SameVersion says it differs from
// the one fn saw last (at first, the one cached when Watch was called; when
// none was, the first value loaded is new). fn is called once per new
// version, in order, on a goroutine of its own, never with a lock held.
//
// While k has a watcher, the cache keeps k loaded without waiting for a Get:
// it reloads k when a read would have refreshed it. Call stop to remove the
// watcher; fn is not called after stop returns, unless it is running.
func (c *Cache[K, V]) Watch(k K, fn func(V)) (stop func()) {
	w := &watcher[V]{fn: fn, same: c.opts.SameVersion, log: c.opts.Logger, key: k}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return func() {}
	}
	now := c.now()
	next := now
	if e, ok := c.index.LoadExact(k); ok {
		if st := e.state.Load(); st != nil && st.err == nil {
			w.last, w.reported = st.val, true
			next = max(st.refreshAt, st.retryAt)
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
	w.stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	ws := c.watchers[k]
	if ws == nil {
		return
	}
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

// newValueLocked queues v for every watcher of k.
func (c *Cache[K, V]) newValueLocked(k K, v V) []delivery[V] {
	ws := c.watchers[k]
	if ws == nil {
		return nil
	}
	out := make([]delivery[V], len(ws.list))
	for i, w := range ws.list {
		out[i] = delivery[V]{w, v}
	}
	return out
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
	ws.timer = time.AfterFunc(time.Duration(max(at-c.now(), 0)), func() { c.poll(k) })
}

// poll loads a watched key if it is due for a refresh.
func (c *Cache[K, V]) poll(k K) {
	c.mu.Lock()
	watched := !c.closed && c.watchers[k] != nil
	c.mu.Unlock()
	if !watched {
		return
	}
	e, err := c.entryFor(k)
	if err != nil {
		return
	}
	st := e.state.Load()
	if st != nil {
		if due := max(st.refreshAt, st.retryAt); c.now() < due {
			c.mu.Lock()
			c.scheduleWatchLocked(k, due)
			c.mu.Unlock()
			return
		}
	}
	c.loadInBackground(e, st)
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
		w.mu.Lock()
		if w.stopped || len(w.queue) == 0 {
			w.running = false
			w.queue = nil
			w.mu.Unlock()
			return
		}
		v := w.queue[0]
		w.queue = w.queue[1:]
		w.mu.Unlock()
		if w.reported && w.same != nil && w.same(w.last, v) {
			continue
		}
		w.last, w.reported = v, true
		w.call(v)
	}
}

func (w *watcher[V]) call(v V) {
	defer func() {
		if r := recover(); r != nil && w.log != nil {
			w.log.Error("cache: watch function panicked", slog.Any("key", w.key), slog.String("panic", panicError(r).Error()))
		}
	}()
	w.fn(v)
}

func (w *watcher[V]) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	w.queue = nil
}
