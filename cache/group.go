package cache

import (
	"math"
	"sort"
	"time"
)

// group is a batch group: keys that BatchLoad can load together, whose
// background refreshes are coalesced and paced together.
type group[K comparable, V any] struct {
	name     string
	max      int // the most keys one BatchLoad call takes: the largest size its keys gave
	members  []*entry[K, V]
	throttle throttle
}

func (c *Cache[K, V]) joinGroupLocked(e *entry[K, V], name string, size int) {
	g := c.groups[name]
	if g == nil {
		g = &group[K, V]{name: name, max: 1}
		c.groups[name] = g
	}
	g.max = max(g.max, size)
	e.solo = size <= 1
	e.group = g
	e.member = len(g.members)
	g.members = append(g.members, e)
}

func (c *Cache[K, V]) leaveGroupLocked(e *entry[K, V]) {
	g := e.group
	last := g.members[len(g.members)-1]
	g.members[e.member] = last
	last.member = e.member
	g.members = g.members[:len(g.members)-1]
	if len(g.members) == 0 {
		delete(c.groups, g.name)
	}
}

// coalesceSlack is how much later than the value whose refresh is due a
// value may have been loaded and still count as loaded with it.
const coalesceSlack = int64(time.Second)

// coalesceLocked returns up to g.max-1 entries of g other than e that
// nothing is loading and whose values are due for a refresh, soonest due
// first: in their refresh-ahead window, older than CoalesceAfter of their
// TTL, or loaded with or before e's value (values loaded together, whose
// first refreshes jitter spread apart, are refreshed together at the
// first of them, and stay together). They are refreshed in e's batch call
// rather than each in one of its own.
func (c *Cache[K, V]) coalesceLocked(g *group[K, V], e *entry[K, V], now int64) []*entry[K, V] {
	if g.max < 2 || e.solo || c.opts.CoalesceAfter <= 0 {
		return nil
	}
	loadedWith := int64(math.MaxInt64)
	if st := e.state.Load(); st != nil {
		loadedWith = st.loadedAt + coalesceSlack
	}
	var due []*entry[K, V]
	for _, m := range g.members {
		if m == e || m.solo || m.flight != nil {
			continue
		}
		st := m.state.Load()
		if st == nil || st.err != nil || now < st.retryAt {
			continue
		}
		if now >= st.refreshAt || st.loadedAt <= loadedWith || float64(now-st.loadedAt) >= c.opts.CoalesceAfter*float64(st.ttl) {
			due = append(due, m)
		}
	}
	if len(due) > g.max-1 {
		// sort.Slice rather than slices.SortFunc: a generic sort is compiled
		// anew for each element type, about 10 kB in every program, where
		// the AWS SDK links sort.Slice already.
		sort.Slice(due, func(i, j int) bool {
			return due[i].state.Load().refreshAt < due[j].state.Load().refreshAt
		})
		due = due[:g.max-1]
	}
	return due
}
