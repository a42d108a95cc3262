package otelsecrets

import (
	"context"
	"fmt"
	"sync"

	"go.opentelemetry.io/otel/metric"

	"github.com/secretref/secretref/secrets"
)

// Register adds c's Stats to the instruments that read them when the SDK
// collects: secretref.reads and secretref.entries. c should have been made
// with this Instrumentation's Observer, for the other instruments. Call
// unregister when c is closed: c's counts so far stay in the totals, so
// that the counters never go down, and c is no longer referenced. It fails,
// wrapping secrets.ErrInvalidArgument, for a nil Client or one registered
// already; register a Client once.
func (i *Instrumentation) Register(c *secrets.Client) (unregister func(), err error) {
	if c == nil {
		return nil, fmt.Errorf("otelsecrets: Register: %w: nil Client", secrets.ErrInvalidArgument)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if _, ok := i.clients[c]; ok {
		return nil, fmt.Errorf("otelsecrets: Register: %w: Client registered already", secrets.ErrInvalidArgument)
	}
	i.clients[c] = struct{}{}
	var once sync.Once
	return func() {
		once.Do(func() {
			i.mu.Lock()
			defer i.mu.Unlock()
			delete(i.clients, c)
			last := c.Stats()
			last.Entries = 0 // what it caches is no longer reported
			i.retired = add(i.retired, last)
		})
	}, nil
}

// observeStats reports the registered Clients' Stats, added up.
func (i *Instrumentation) observeStats(_ context.Context, o metric.Observer) error {
	i.mu.Lock()
	total := i.retired
	open := map[place]int64{}
	for c := range i.clients {
		s := c.Stats()
		total = add(total, s)
		for _, r := range s.Regions {
			n := open[place{r.Scheme, r.Region}] // 0 is reported too: healthy
			if r.State == secrets.RegionOpen {
				n++
			}
			open[place{r.Scheme, r.Region}] = n
		}
	}
	i.mu.Unlock()
	o.ObserveInt64(i.reads, int64(total.Hits), hitOption)
	o.ObserveInt64(i.reads, int64(total.Misses), missOption)
	o.ObserveInt64(i.reads, int64(total.StaleServes), staleOption)
	o.ObserveInt64(i.entries, int64(total.Entries))
	o.ObserveInt64(i.failovers, int64(total.Failovers))
	o.ObserveInt64(i.hedges, int64(total.Hedges))
	for p, n := range open {
		o.ObserveInt64(i.regionOpen, n, metric.WithAttributes(where(nil, p.scheme, p.region)...))
	}
	return nil
}

// add returns the sum of the counts the instruments read.
func add(a, b secrets.Stats) secrets.Stats {
	a.Hits += b.Hits
	a.Misses += b.Misses
	a.StaleServes += b.StaleServes
	a.Entries += b.Entries
	a.Failovers += b.Failovers
	a.Hedges += b.Hedges
	return a
}
