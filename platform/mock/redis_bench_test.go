package mock

import (
	"context"
	"testing"

	"giftsim/internal/redistest"
	"giftsim/platform/fixture"
)

// openBenchRedis starts a redis-server for b and opens a store on it.
// kind "redis" leaves persistence off (as redistest starts it);
// "redis-always" turns on appendonly with appendfsync always, the
// documented safe setting, so each write is fsync'd before Redis answers.
func openBenchRedis(b *testing.B, f *fixture.Fixture, kind string) Store {
	rs := redistest.Start(b)
	st := openRedis(b, rs, f)
	if kind == "redis-always" {
		ctx := context.Background()
		if err := st.rdb.ConfigSet(ctx, "appendonly", "yes").Err(); err != nil {
			b.Fatal(err)
		}
		if err := st.rdb.ConfigSet(ctx, "appendfsync", "always").Err(); err != nil {
			b.Fatal(err)
		}
		if _, weak, err := st.Durability(ctx); err != nil || weak {
			b.Fatalf("durability after CONFIG SET: weak %v, %v", weak, err)
		}
	}
	return st
}

// BenchmarkSendHMACRedis measures sends/s with HMAC auth and the Redis
// store (persistence off).
func BenchmarkSendHMACRedis(b *testing.B) { benchServer(b, "redis", 64) }

// BenchmarkSendHMACRedisAlways is the Redis store with appendfsync always.
func BenchmarkSendHMACRedisAlways(b *testing.B) { benchServer(b, "redis-always", 64) }
