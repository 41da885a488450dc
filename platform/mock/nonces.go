package mock

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"giftsim/platform/sign"
)

// DefaultNonceCapacity is the replay cache's default size, all merchants
// together: 2^20 nonces, at most 48 MB (sign.NonceEntryBytes each).
const DefaultNonceCapacity = 1 << 20

// nonceRecorder is the mock's sign.NonceRecorder (security defect 3): a
// sign.NonceCache answers, and the store keeps every accepted nonce until
// its window ends, so a request captured before a restart is still refused
// after it on the same --data. The verifier stays pure; this is its I/O.
//
// Record never waits for the disk. It appends the nonce to the store's
// journal just before the request's own writes, so an answer that waits
// for its commit (a send, a gift, a claim …) also waits for its nonce: it
// rides in the same group commit, or an earlier one. An answer that writes nothing (a read, a
// refusal) does not wait: its nonce is committed within nonceCommitDelay
// (2 ms), and a clean stop flushes it. Only a kill -9 inside that time can
// forget the nonce of such a request; a replay of it within its window
// would then be answered once more. A write that succeeded is never
// exposed this way.
type nonceRecorder struct {
	cache *sign.NonceCache
	st    Store
	keep  sync.Map // mchID → *nonceKeep
}

// nonceKeep is the lowest timestamp of a merchant the store must keep.
// mu orders the store's records of it, so they only ever rise.
type nonceKeep struct {
	mu sync.Mutex
	v  atomic.Int64
}

// newNonceRecorder returns the recorder for st with room for capacity
// nonces shared evenly by merchants (capacity <= 0: DefaultNonceCapacity),
// loaded with the nonces st kept whose window has not ended at now.
func newNonceRecorder(ctx context.Context, st Store, capacity, merchants int, now time.Time, skew time.Duration) (*nonceRecorder, error) {
	if capacity <= 0 {
		capacity = DefaultNonceCapacity
	}
	n := &nonceRecorder{cache: sign.NewNonceCache(max(1, capacity/max(1, merchants))), st: st}
	t, sk := now.Unix(), int64(skew/time.Second)
	err := st.Nonces(ctx,
		func(mchID string, keepFrom int64) {
			n.cache.RaiseFloor(mchID, keepFrom-1)
			n.keepOf(mchID).v.Store(keepFrom)
		},
		func(mchID, nonce string, ts int64) {
			_ = n.cache.Record(mchID, nonce, ts, t, sk) // outside the window or over budget: refused anyway
		})
	if err != nil {
		return nil, fmt.Errorf("restore nonces: %w", err)
	}
	return n, nil
}

// Record implements sign.NonceRecorder.
func (n *nonceRecorder) Record(mchID, nonce string, ts, now, skew int64) error {
	floor, err := n.cache.RecordFloor(mchID, nonce, ts, now, skew)
	if err != nil {
		return err
	}
	keepFrom := max(now-skew, floor+1) // <= ts: the window and the floor both admitted ts
	if k := n.keepOf(mchID); keepFrom > k.v.Load() {
		k.mu.Lock()
		if keepFrom > k.v.Load() {
			k.v.Store(keepFrom)
			n.st.RecordNonce(mchID, nonce, ts, keepFrom)
			k.mu.Unlock()
			return nil
		}
		k.mu.Unlock()
	}
	n.st.RecordNonce(mchID, nonce, ts, 0)
	return nil
}

func (n *nonceRecorder) keepOf(mchID string) *nonceKeep {
	v, ok := n.keep.Load(mchID)
	if !ok {
		v, _ = n.keep.LoadOrStore(mchID, &nonceKeep{})
	}
	return v.(*nonceKeep)
}

// The nonces bucket holds, per merchant, one key per accepted nonce,
// MCHID 0x00 TS(8 bytes, big-endian) NONCE with an empty value, and one
// floor key MCHID 0x01 whose value is the lowest timestamp kept (8 bytes):
// each commit deletes the nonces below it (pruneNonces). A merchant id
// holds no byte below 0x21 (sign.ParseHeader), so the keys sort by
// merchant, then timestamp, with the floor after the nonces.
const (
	nonceSep = 0x00
	floorSep = 0x01
	// prunePerCommit bounds the deletions one commit makes.
	prunePerCommit = 4096
)

var emptyValue = []byte{}

func nonceRec(mchID, nonce string, ts int64) record {
	var buf [sign.MaxTokenLen + 9 + sign.MaxNonceLen]byte
	k := append(buf[:0], mchID...)
	k = append(k, nonceSep)
	k = binary.BigEndian.AppendUint64(k, uint64(ts))
	k = append(k, nonce...)
	return record{bucketNonces, string(k), emptyValue}
}

func floorRec(mchID string, keepFrom int64) record {
	return record{bucketNonces, mchID + string(rune(floorSep)), binary.BigEndian.AppendUint64(nil, uint64(keepFrom))}
}

// nonceCommitDelay bounds how long an accepted nonce waits for a commit
// when no write of its request starts one.
const nonceCommitDelay = 2 * time.Millisecond

// nonceFlush arms one timer at a time that starts a commit for nonces
// appended without one.
type nonceFlush struct{ armed atomic.Bool }

// RecordNonce appends the nonce (and the merchant's new floor) to the
// journal without waiting and without starting a commit: the request's
// own writes, appended next, start the commit that carries both; for a
// request that writes nothing a timer starts one within
// nonceCommitDelay. (Starting a commit per nonce would split each send
// into two commits.) A memory store keeps nothing. It does not take e.mu:
// the journal has its own lock, and a nonce needs to precede only the same
// request's writes, which its caller makes afterwards.
func (e *engine) RecordNonce(mchID, nonce string, ts, keepFrom int64) {
	bj, ok := e.j.(*boltJournal)
	if !ok {
		return
	}
	if keepFrom > 0 {
		bj.appendQuiet(floorRec(mchID, keepFrom), nonceRec(mchID, nonce, ts))
	} else {
		bj.appendQuiet(nonceRec(mchID, nonce, ts))
	}
	if e.nf.armed.CompareAndSwap(false, true) {
		time.AfterFunc(nonceCommitDelay, func() {
			e.nf.armed.Store(false)
			select {
			case bj.kick <- struct{}{}:
			default:
			}
		})
	}
}

// appendQuiet adds recs to the next commit without starting it.
func (j *boltJournal) appendQuiet(recs ...record) {
	j.mu.Lock()
	if !j.closed {
		j.pending = append(j.pending, recs...)
	}
	j.mu.Unlock()
}

// Nonces reads the kept nonces of a durable store.
func (e *engine) Nonces(ctx context.Context, floor func(mchID string, keepFrom int64), nonce func(mchID, nonce string, ts int64)) error {
	bj, ok := e.j.(*boltJournal)
	if !ok {
		return nil
	}
	return bj.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketNames[bucketNonces]).ForEach(func(k, v []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			if i := bytes.IndexByte(k, floorSep); i > 0 && i == len(k)-1 && len(v) == 8 {
				floor(string(k[:i]), int64(binary.BigEndian.Uint64(v)))
				return nil
			}
			i := bytes.IndexByte(k, nonceSep)
			if i <= 0 || len(k) < i+10 {
				return fmt.Errorf("nonce record %q is malformed", k)
			}
			nonce(string(k[:i]), string(k[i+9:]), int64(binary.BigEndian.Uint64(k[i+1:i+9])))
			return nil
		})
	})
}

// pruneNonces deletes, inside a commit, up to prunePerCommit nonces below
// their merchant's floor as this same transaction sees it, so a nonce is
// never gone from the file while its floor is not there yet.
func pruneNonces(tx *bolt.Tx) error {
	b := tx.Bucket(bucketNames[bucketNonces])
	c := b.Cursor()
	budget := prunePerCommit
	for k, _ := c.First(); k != nil && budget > 0; {
		i := bytes.IndexAny(k, "\x00\x01")
		if i <= 0 {
			return fmt.Errorf("nonce record %q is malformed", k)
		}
		mch := string(k[:i])
		if fv := b.Get([]byte(mch + "\x01")); len(fv) == 8 {
			keep := binary.BigEndian.Uint64(fv)
			prefix := []byte(mch + "\x00")
			for ; budget > 0; budget-- {
				k, _ = c.Seek(prefix)
				if !bytes.HasPrefix(k, prefix) || len(k) < len(prefix)+8 || binary.BigEndian.Uint64(k[len(prefix):]) >= keep {
					break
				}
				if err := c.Delete(); err != nil {
					return err
				}
			}
		}
		k, _ = c.Seek([]byte(mch + "\x02")) // the next merchant
	}
	return nil
}
