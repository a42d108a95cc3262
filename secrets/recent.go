package secrets

import (
	"sync/atomic"
	"unsafe"
)

// recentSlots is the size of a Client's table of recently read reference
// strings.
const (
	recentBits  = 6
	recentSlots = 1 << recentBits
)

// recentRefs remembers, for the strings callers read references by, the
// binding each names, so that a read by the same string — a constant, a
// configuration field read once — finds its binding by the string's address
// and length: no hashing and no comparing of bytes, which for an ARN cost
// more than the rest of a hit. A slot holds a pointer to the string's
// bytes, which keeps them allocated: while it does, no other string can
// have that address, so an equal address and length mean an equal string.
// A string made anew for each read misses, and the bindings map answers;
// a slot read since it was written is given a second chance before such a
// string takes it, so that the strings read over and over keep theirs.
type recentRefs struct {
	slots [recentSlots]recentSlot
}

// recentSlot is written as a sequence lock: seq is odd while a writer
// changes the other fields, and a reader that sees seq change retries on
// the map instead.
type recentSlot struct {
	seq  atomic.Uint64
	data atomic.Pointer[byte]
	n    atomic.Int64
	b    atomic.Pointer[binding]
	read atomic.Bool // read since it was written, or since its second chance
}

func (r *recentRefs) slot(p *byte, n int) *recentSlot {
	h := uint64(uintptr(unsafe.Pointer(p))^uintptr(n)) * 0x9E3779B97F4A7C15
	return &r.slots[h>>(64-recentBits)]
}

// load returns the binding stored for ref's string, or nil.
func (r *recentRefs) load(ref string) *binding {
	p := unsafe.StringData(ref)
	s := r.slot(p, len(ref))
	seq := s.seq.Load()
	if seq&1 != 0 || s.data.Load() != p || s.n.Load() != int64(len(ref)) {
		return nil
	}
	b := s.b.Load()
	if s.seq.Load() != seq {
		return nil
	}
	if !s.read.Load() {
		s.read.Store(true)
	}
	return b
}

// store remembers b for ref's string, unless another writer holds the
// slot.
func (r *recentRefs) store(ref string, b *binding) {
	if ref == "" {
		return
	}
	p := unsafe.StringData(ref)
	s := r.slot(p, len(ref))
	if s.read.Load() {
		s.read.Store(false) // its second chance
		return
	}
	seq := s.seq.Load()
	if seq&1 != 0 || !s.seq.CompareAndSwap(seq, seq+1) {
		return
	}
	s.data.Store(p)
	s.n.Store(int64(len(ref)))
	s.b.Store(b)
	s.seq.Store(seq + 2)
}

// clear forgets every string, letting their bytes go.
func (r *recentRefs) clear() {
	for i := range r.slots {
		s := &r.slots[i]
		for {
			seq := s.seq.Load()
			if seq&1 == 0 && s.seq.CompareAndSwap(seq, seq+1) {
				s.data.Store(nil)
				s.n.Store(0)
				s.b.Store(nil)
				s.seq.Store(seq + 2)
				break
			}
		}
	}
}
