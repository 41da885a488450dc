package mock

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"giftsim/platform/fixture"
)

// FileStoreName is the database file OpenFileStore keeps in its directory.
const FileStoreName = "giftsim-mock.db"

var bucketNames = [...][]byte{
	bucketCoupons:   []byte("coupons"),
	bucketStocks:    []byte("stocks"),
	bucketUsers:     []byte("users"),
	bucketQuota:     []byte("quota"),
	bucketIPs:       []byte("ips"),
	bucketMeta:      []byte("meta"),
	bucketNonces:    []byte("nonces"),
	bucketCallbacks: []byte("callbacks"),
	bucketSchedule:  []byte("schedule"),
}

// OpenFileStore opens (or creates) the durable store in dir: a bbolt file
// written with group commit. Concurrent operations share one fsync'd
// transaction, and each returns only after its transaction committed, so
// every acknowledged operation survives kill -9. On open it reloads the
// state; the fixture supplies merchants, users and the initial stocks.
func OpenFileStore(ctx context.Context, dir string, f *fixture.Fixture) (Store, error) {
	e, err := newEngine(f)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("file store: %w", err)
	}
	path := filepath.Join(dir, FileStoreName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: 2 * time.Second, NoFreelistSync: true, FreelistType: bolt.FreelistMapType,
		InitialMmapSize: 64 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("file store %s: %w (is another giftsim serve using it?)", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, n := range bucketNames[1:] {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		db.Close()
		return nil, fmt.Errorf("file store %s: %w", path, err)
	}
	if err := db.View(func(tx *bolt.Tx) error { return e.restore(ctx, tx) }); err != nil {
		db.Close()
		return nil, fmt.Errorf("file store %s: %w", path, err)
	}
	j := &boltJournal{db: db, cur: newGroup(), kick: make(chan struct{}, 1), quit: make(chan struct{}), stopped: make(chan struct{})}
	go j.loop()
	e.j = j
	return e, nil
}

// restore rebuilds the engine from a read transaction.
func (e *engine) restore(ctx context.Context, tx *bolt.Tx) error {
	if v := tx.Bucket(bucketNames[bucketMeta]).Get([]byte("anchor")); v != nil {
		var a Anchor
		if err := json.Unmarshal(v, &a); err != nil {
			return fmt.Errorf("anchor: %w", err)
		}
		e.anchor = &a
	}
	err := tx.Bucket(bucketNames[bucketStocks]).ForEach(func(k, v []byte) error {
		var s Stock
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("stock %s: %w", k, err)
		}
		e.stocks[s.ID] = &s
		if s.OutRequestNo != "" {
			e.idem[idemKey{s.MchID, "stock", s.OutRequestNo}] = &s
		}
		if n, err := strconv.ParseUint(s.ID, 10, 64); err == nil && n >= e.nextStock {
			e.nextStock = n + 1
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketNames[bucketUsers]).ForEach(func(k, v []byte) error {
		u := e.users[string(k)]
		if u == nil {
			return nil // The user left the fixture.
		}
		return json.Unmarshal(v, &u.st)
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketNames[bucketCoupons]).ForEach(func(k, v []byte) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c := &Coupon{}
		if err := json.Unmarshal(v, c); err != nil {
			return fmt.Errorf("coupon %s: %w", k, err)
		}
		e.coupons[c.ID] = c
		e.idem[idemKey{c.MchID, "send", c.OutRequestNo}] = c
		if s := e.stocks[c.StockID]; s != nil {
			s.Issued++
			if u := e.users[c.Owner]; u != nil && platformOncePerUser(s) {
				if u.st.fromStock == nil {
					u.st.fromStock = map[string]int{}
				}
				u.st.fromStock[s.ID]++
			}
		}
		for _, who := range []string{c.Owner, c.Holder, c.Recipient} {
			if u := e.users[who]; u != nil && who != "" {
				u.st.coupons = append(u.st.coupons, c)
			}
		}
		if u := e.users[c.Owner]; u != nil {
			u.st.Received = append(u.st.Received, c.IssuedAt)
		}
		if u := e.users[c.Holder]; u != nil && !c.ClaimedAt.IsZero() {
			u.st.Received = append(u.st.Received, c.ClaimedAt)
		}
		if n, err := strconv.ParseUint(c.ID, 10, 64); err == nil && n >= e.nextCoupon {
			e.nextCoupon = n + 1
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, u := range e.users {
		slices.SortFunc(u.st.Received, time.Time.Compare)
	}
	err = tx.Bucket(bucketNames[bucketQuota]).ForEach(func(k, v []byte) error {
		mch, day, ok := strings.Cut(string(k), "|")
		d, err1 := strconv.ParseInt(day, 10, 32)
		n, err2 := strconv.Atoi(string(v))
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("quota record %q=%q is malformed", k, v)
		}
		e.quota[quotaKey{mch, int32(d)}] = n
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketNames[bucketIPs]).ForEach(func(k, v []byte) error {
		a, err := netip.ParseAddr(string(k))
		if err != nil {
			return fmt.Errorf("ip record %q: %w", k, err)
		}
		var s ipState
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("ip record %q: %w", k, err)
		}
		e.ips[a] = &s
		return nil
	})
	if err != nil {
		return err
	}
	if err := e.restoreCompliance(tx); err != nil { // R18 penalties, R19 statements (compliance.go)
		return err
	}
	return e.restoreBackground(tx)
}

// boltJournal writes records in group commits: a single goroutine takes
// everything appended since its last commit and writes it in one
// transaction.
type boltJournal struct {
	db      *bolt.DB
	mu      sync.Mutex
	pending []record
	spare   []record
	cur     *group
	closed  bool
	kick    chan struct{}
	quit    chan struct{}
	stopped chan struct{}
}

func (j *boltJournal) append(recs ...record) *group {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		g := newGroup()
		g.err = fmt.Errorf("store closed")
		close(g.done)
		return g
	}
	j.pending = append(j.pending, recs...)
	g := j.cur
	j.mu.Unlock()
	select {
	case j.kick <- struct{}{}:
	default:
	}
	return g
}

func (j *boltJournal) loop() {
	defer close(j.stopped)
	for {
		select {
		case <-j.kick:
			j.commit()
		case <-j.quit:
			j.commit()
			return
		}
	}
}

// commit writes one group.
func (j *boltJournal) commit() {
	j.mu.Lock()
	recs, g := j.pending, j.cur
	j.pending, j.spare = j.spare[:0], nil
	j.cur = newGroup()
	j.mu.Unlock()
	if len(recs) == 0 {
		j.mu.Lock()
		j.spare = recs
		j.mu.Unlock()
		close(g.done)
		return
	}
	g.err = j.db.Update(func(tx *bolt.Tx) error {
		var bs [len(bucketNames)]*bolt.Bucket
		for _, r := range recs {
			b := bs[r.bucket]
			if b == nil {
				b = tx.Bucket(bucketNames[r.bucket])
				b.FillPercent = 0.9 // Coupon ids grow, so most inserts append.
				bs[r.bucket] = b
			}
			if r.val == nil { // a nil value deletes (finished callback deliveries)
				if err := b.Delete([]byte(r.key)); err != nil {
					return err
				}
				continue
			}
			if err := b.Put([]byte(r.key), r.val); err != nil {
				return err
			}
		}
		return pruneNonces(tx) // nonces whose window ended (nonces.go)
	})
	close(g.done)
	clear(recs)
	j.mu.Lock()
	j.spare = recs[:0]
	j.mu.Unlock()
}

func (j *boltJournal) close(ctx context.Context) error {
	j.mu.Lock()
	already := j.closed
	j.closed = true
	j.mu.Unlock()
	if already {
		return nil
	}
	close(j.quit)
	select {
	case <-j.stopped:
	case <-ctx.Done():
		return fmt.Errorf("file store: close: %w", ctx.Err())
	}
	if err := j.db.Close(); err != nil {
		return fmt.Errorf("file store: close: %w", err)
	}
	return nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("mock: encode %T: %v", v, err)) // The types are plain data; this cannot happen.
	}
	return b
}

func couponRec(c *Coupon) record {
	return record{bucketCoupons, c.ID, mustJSON(c)}
}

func stockRec(s *Stock) record { return record{bucketStocks, s.ID, mustJSON(s)} }

func userRec(openid string, u *user) record { return record{bucketUsers, openid, mustJSON(&u.st)} }

func quotaRec(k quotaKey, n int) record {
	return record{bucketQuota, k.mch + "|" + strconv.Itoa(int(k.day)), []byte(strconv.Itoa(n))}
}

func ipRec(a netip.Addr, s *ipState) record { return record{bucketIPs, a.String(), mustJSON(s)} }

func anchorRec(a Anchor) record { return record{bucketMeta, "anchor", mustJSON(a)} }
