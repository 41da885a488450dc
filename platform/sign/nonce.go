package sign

import (
	"fmt"
	"hash/maphash"
	"math"
	"sync"
)

// DefaultNoncesPerMerchant is a merchant's default share of the replay
// cache: 2^20 nonces, at most 48 MB (NonceEntryBytes each; about 25 MB
// measured), which holds 300 s of a merchant's requests at 3,500 a second
// and 22 s at 47,000 a second.
const DefaultNoncesPerMerchant = 1 << 20

// NonceEntryBytes bounds what one remembered nonce costs in a NonceCache: a
// slot in a hash table kept at most half full (16 bytes, 32 just after it
// grows) and one in its second's list (8, 16 just after that grows).
// BenchmarkNonceCacheMemory measures about 25 at the budget.
const NonceEntryBytes = 48

// NonceRecorder remembers the nonces of accepted requests. A Verifier calls
// Record once a request's signature holds, with the request's Unix
// timestamp ts, the verifier's clock now and the allowed skew, all in
// seconds (|now − ts| <= skew already holds). Record returns an error
// wrapping ErrReplay for a nonce it must refuse. It must be safe for
// concurrent use, do no I/O it waits for, and be fast: it runs once per
// signed request.
type NonceRecorder interface {
	Record(mchID, nonce string, ts, now, skew int64) error
}

// NonceCache is the in-memory NonceRecorder. Its guarantee: a merchant's
// nonce is refused for as long as the request's timestamp is inside the
// window (|now − ts| <= skew), and memory is at most the per-merchant
// budget times the merchants with a key, about NonceEntryBytes a nonce.
//
// Nonces are kept per merchant and grouped by timestamp second; a second
// is dropped whole once it has left the window, so what one request does
// never depends on the order others arrived in (security defect 1: a
// single future-dated nonce evicted by arrival order used to lock out every
// merchant). When a merchant holds its whole budget, its lowest second is
// dropped and that merchant alone refuses timestamps at or below it from
// then on (its floor): a replay is still refused, the merchant's window
// narrows at its old end only, and requests signed with the current time
// pass as long as the budget holds more than a second of its traffic. No
// other merchant is touched. It is safe for concurrent use: each merchant
// has its own lock.
type NonceCache struct {
	perMerchant int
	seed        maphash.Seed
	merchants   sync.Map // mchID → *merchantNonces
}

// merchantNonces is one merchant's part of a NonceCache.
type merchantNonces struct {
	mu      sync.Mutex
	seen    hashSet                // seen holds the hashes of the nonces held.
	seconds map[int64]*nonceSecond // seconds holds them by timestamp second.
	lo      int64                  // lo is the lowest second held (n > 0).
	n       int
	floor   int64 // floor: timestamps at or below it are refused.
}

// nonceSecond lists the nonce hashes of one timestamp second.
type nonceSecond struct{ hashes []uint64 }

// NewNonceCache returns a cache that holds at most perMerchant nonces of
// each merchant (<= 0: DefaultNoncesPerMerchant). Record is called only
// after a signature holds, so the merchants are those with a key.
func NewNonceCache(perMerchant int) *NonceCache {
	if perMerchant <= 0 {
		perMerchant = DefaultNoncesPerMerchant
	}
	return &NonceCache{perMerchant: perMerchant, seed: maphash.MakeSeed()}
}

// PerMerchant returns the per-merchant budget.
func (c *NonceCache) PerMerchant() int { return c.perMerchant }

// Len returns how many nonces the cache holds, all merchants together.
func (c *NonceCache) Len() int {
	n := 0
	c.merchants.Range(func(_, v any) bool {
		m := v.(*merchantNonces)
		m.mu.Lock()
		n += m.n
		m.mu.Unlock()
		return true
	})
	return n
}

// Record accepts the nonce of mchID's request with Unix timestamp ts at
// time now (seconds), remembering it while ts is within skew of now. It
// returns ErrReplay for a nonce seen before or a timestamp at or below the
// merchant's floor, and ErrTimestamp for a timestamp outside the window.
func (c *NonceCache) Record(mchID, nonce string, ts, now, skew int64) error {
	_, err := c.RecordFloor(mchID, nonce, ts, now, skew)
	return err
}

// RecordFloor is Record that also returns the merchant's floor after the
// call: the cache refuses the merchant's timestamps at or below it, so a
// durable copy may forget the merchant's nonces there.
func (c *NonceCache) RecordFloor(mchID, nonce string, ts, now, skew int64) (floor int64, err error) {
	if d := now - ts; d > skew || d < -skew {
		return 0, fmt.Errorf("%w: timestamp %d is %ds from %d (allowed ±%ds)", ErrTimestamp, ts, d, now, skew)
	}
	sum := maphash.String(c.seed, nonce) | 1<<63 // non-zero (hashSet's empty slot), low bits untouched (its home slot)
	m := c.merchant(mchID)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire(now - skew)
	if ts <= m.floor {
		return m.floor, c.belowFloor(mchID, ts)
	}
	if m.seen.has(sum) {
		return m.floor, fmt.Errorf("%w: nonce_str %q", ErrReplay, nonce)
	}
	for m.n >= c.perMerchant {
		dropped := m.dropLowest()
		m.floor = max(m.floor, dropped)
		if ts <= m.floor {
			return m.floor, c.belowFloor(mchID, ts)
		}
	}
	sec := m.seconds[ts]
	if sec == nil {
		sec = &nonceSecond{}
		m.seconds[ts] = sec
	}
	sec.hashes = append(sec.hashes, sum)
	m.seen.add(sum)
	if m.n == 0 || ts < m.lo {
		m.lo = ts
	}
	m.n++
	return m.floor, nil
}

// RaiseFloor makes the cache refuse mchID's timestamps at or below floor,
// as a durable copy that forgot the nonces there requires after a restart.
func (c *NonceCache) RaiseFloor(mchID string, floor int64) {
	m := c.merchant(mchID)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.floor = max(m.floor, floor)
}

func (c *NonceCache) belowFloor(mchID string, ts int64) error {
	return fmt.Errorf("%w: timestamp %d is older than the replay cache holds for merchant %s (more requests than its share of %d nonces in the window); sign with the current time", ErrReplay, ts, mchID, c.perMerchant)
}

// merchant returns mchID's part of the cache, made on first use.
func (c *NonceCache) merchant(mchID string) *merchantNonces {
	v, ok := c.merchants.Load(mchID)
	if !ok {
		v, _ = c.merchants.LoadOrStore(mchID, &merchantNonces{seconds: map[int64]*nonceSecond{}, floor: math.MinInt64})
	}
	return v.(*merchantNonces)
}

// expire drops every second below cutoff.
func (m *merchantNonces) expire(cutoff int64) {
	if m.n == 0 || m.lo >= cutoff {
		return
	}
	if cutoff-m.lo > int64(len(m.seconds)) {
		// Few seconds held over a long span (after a quiet spell): visit them.
		for ts := range m.seconds {
			if ts < cutoff {
				m.drop(ts)
			}
		}
		m.lo = cutoff
		m.seekLo()
		return
	}
	for ; m.lo < cutoff && m.n > 0; m.lo++ {
		m.drop(m.lo)
	}
	m.seekLo()
}

// dropLowest drops the lowest second held and returns it; m.n > 0.
func (m *merchantNonces) dropLowest() int64 {
	m.seekLo()
	ts := m.lo
	m.drop(ts)
	m.seekLo()
	return ts
}

// seekLo moves lo up to the lowest second held.
func (m *merchantNonces) seekLo() {
	if m.n == 0 {
		return
	}
	for m.seconds[m.lo] == nil {
		m.lo++
	}
}

// drop forgets the nonces of second ts.
func (m *merchantNonces) drop(ts int64) {
	sec := m.seconds[ts]
	if sec == nil {
		return
	}
	for _, h := range sec.hashes {
		m.seen.remove(h)
	}
	m.n -= len(sec.hashes)
	delete(m.seconds, ts)
}

// hashSet is a set of non-zero hashes in one open-addressing table with
// linear probing and backward-shift deletion: a deletion leaves no
// tombstone, so lookups stay short however many nonces come and go (Go's
// map slows down under that churn). It grows at half full and never
// shrinks, so it holds at most twice the peak in slots.
type hashSet struct {
	slots []uint64
	n     int
}

func (s *hashSet) has(h uint64) bool {
	if len(s.slots) == 0 {
		return false
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return true
		case 0:
			return false
		}
	}
}

// add inserts h, which must be absent.
func (s *hashSet) add(h uint64) {
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	i := h & mask
	for s.slots[i] != 0 {
		i = (i + 1) & mask
	}
	s.slots[i] = h
	s.n++
}

func (s *hashSet) grow() {
	old := s.slots
	s.slots = make([]uint64, max(1024, 2*len(old)))
	s.n = 0
	for _, h := range old {
		if h != 0 {
			s.add(h)
		}
	}
}

// remove deletes h if present, shifting back the entries after it that
// would otherwise be cut off from their home slot.
func (s *hashSet) remove(h uint64) {
	if len(s.slots) == 0 {
		return
	}
	mask := uint64(len(s.slots) - 1)
	i := h & mask
	for s.slots[i] != h {
		if s.slots[i] == 0 {
			return
		}
		i = (i + 1) & mask
	}
	for j := i; ; {
		j = (j + 1) & mask
		v := s.slots[j]
		if v == 0 {
			break
		}
		// v stays if its home k lies cyclically in (i, j].
		if k := v & mask; (i < j && i < k && k <= j) || (i > j && (i < k || k <= j)) {
			continue
		}
		s.slots[i] = v
		i = j
	}
	s.slots[i] = 0
	s.n--
}
