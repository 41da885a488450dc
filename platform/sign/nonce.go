package sign

import (
	"fmt"
	"hash/maphash"
	"sync"
)

// DefaultNonceCapacity is the replay cache's default size: about 40 MB,
// ten minutes of nonces at 1,700 requests a second, or 100 s at 10,000/s.
const DefaultNonceCapacity = 1 << 20

// NonceCache remembers the nonces of accepted requests for the timestamp
// window, in bounded memory. It keeps a 64-bit hash of (mchid, nonce) per
// request in arrival order. When full, it evicts the oldest entry and from
// then on refuses any timestamp at or before the evicted one, so a replay is
// never accepted: under a load beyond the capacity, the accepted window
// narrows instead of memory growing. It is safe for concurrent use.
type NonceCache struct {
	mu    sync.Mutex
	seed  maphash.Seed
	seen  map[uint64]struct{}
	ring  []nonceEntry
	head  int
	n     int
	floor int64 // floor: timestamps at or before it are refused.
}

type nonceEntry struct {
	hash uint64
	ts   int64
}

// NewNonceCache returns a cache for capacity nonces (<= 0: the default).
func NewNonceCache(capacity int) *NonceCache {
	if capacity <= 0 {
		capacity = DefaultNonceCapacity
	}
	return &NonceCache{seed: maphash.MakeSeed(), seen: make(map[uint64]struct{}, min(capacity, 1<<16)),
		ring: make([]nonceEntry, capacity), floor: -1 << 62}
}

// Len returns how many nonces the cache holds.
func (c *NonceCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// Record accepts the nonce of a request with Unix timestamp ts at time now
// (seconds), remembering it while ts is within skew of now; it returns
// ErrReplay for a nonce seen before or a timestamp the cache can no longer
// vouch for.
func (c *NonceCache) Record(mchID, nonce string, ts, now, skew int64) error {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString(mchID)
	h.WriteByte(0)
	h.WriteString(nonce)
	sum := h.Sum64()

	c.mu.Lock()
	defer c.mu.Unlock()
	for c.n > 0 && c.ring[c.head].ts < now-skew {
		c.pop()
	}
	if ts <= c.floor {
		return fmt.Errorf("%w: timestamp %d is older than the replay cache holds (load beyond its capacity); sign with the current time", ErrReplay, ts)
	}
	if _, dup := c.seen[sum]; dup {
		return fmt.Errorf("%w: nonce_str %q", ErrReplay, nonce)
	}
	if c.n == len(c.ring) {
		c.floor = max(c.floor, c.ring[c.head].ts)
		c.pop()
		if ts <= c.floor {
			return fmt.Errorf("%w: timestamp %d is older than the replay cache holds (load beyond its capacity); sign with the current time", ErrReplay, ts)
		}
	}
	c.seen[sum] = struct{}{}
	c.ring[(c.head+c.n)%len(c.ring)] = nonceEntry{hash: sum, ts: ts}
	c.n++
	return nil
}

func (c *NonceCache) pop() {
	delete(c.seen, c.ring[c.head].hash)
	c.head = (c.head + 1) % len(c.ring)
	c.n--
}
