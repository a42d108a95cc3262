package otelsecrets

import (
	"maps"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/secretref/secretref/secrets"
)

// Attribute keys. None holds a reference, a name or a value unless
// Options.RecordReferences is set.
const (
	providerKey   = attribute.Key("secretref.provider")   // the provider's scheme: sm, ssm, env, file, ...
	regionKey     = attribute.Key("secretref.region")     // the region of an ARN reference; absent for the provider's default
	operationKey  = attribute.Key("secretref.operation")  // fetch, fetch_batch, fetch_path, describe
	outcomeKey    = attribute.Key("secretref.outcome")    // ok or the class of the failure
	backgroundKey = attribute.Key("secretref.background") // no caller waited for the call
	failoverKey   = attribute.Key("secretref.failover")   // the call went to a region other than the secret's own
	stateKey      = attribute.Key("secretref.region.state")
	resultKey     = attribute.Key("secretref.read.result")
	reasonKey     = attribute.Key("secretref.refresh.reason")
	batchSizeKey  = attribute.Key("secretref.batch.size")   // span: references read by the call
	failedKey     = attribute.Key("secretref.batch.failed") // span: references the call failed to read
	referenceKey  = attribute.Key("secretref.reference")    // only with Options.RecordReferences
	referencesKey = attribute.Key("secretref.references")   // span, only with Options.RecordReferences
)

// where appends the attributes that say which provider and region a
// reference is read from.
func where(attrs []attribute.KeyValue, scheme, region string) []attribute.KeyValue {
	attrs = append(attrs, providerKey.String(scheme))
	if region != "" {
		attrs = append(attrs, regionKey.String(region))
	}
	return attrs
}

// place is a provider and a region.
type place struct{ scheme, region string }

// recordOptions holds, by place, the option a histogram records with, so
// that recording a stale serve, which can happen at the rate of reads
// during an outage, allocates nothing. Places are few (the schemes times
// the regions read); the map is copied on write and read without a lock.
type recordOptions struct {
	read atomic.Pointer[map[place][]metric.RecordOption]
	mu   sync.Mutex
}

// of returns the options for the place of ref.
func (r *recordOptions) of(ref secrets.Ref) []metric.RecordOption {
	p := place{ref.Scheme, ref.Region}
	if m := r.read.Load(); m != nil {
		if opts, ok := (*m)[p]; ok {
			return opts
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.read.Load()
	if old != nil {
		if opts, ok := (*old)[p]; ok {
			return opts
		}
	}
	next := make(map[place][]metric.RecordOption, 1)
	if old != nil {
		maps.Copy(next, *old)
	}
	opts := []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(where(nil, p.scheme, p.region)...))}
	next[p] = opts
	r.read.Store(&next)
	return opts
}
