package mock

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"giftsim/platform/fixture"
	"giftsim/platform/sign"
)

// benchSends drives url with HMAC-signed v3 sends from 64 goroutines over
// loopback and reports sends per second.
func benchSends(b *testing.B, url string, s *sign.Signer, users, clients int) {
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var seq atomic.Int64
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 0, 256)
		for pb.Next() {
			i := seq.Add(1)
			openid := "u" + leftPad(int(i%int64(users)))
			buf = append(buf[:0], `{"stock_id":"api","out_request_no":"b`...)
			buf = strconv.AppendInt(buf, i, 10)
			buf = append(buf, `","appid":"wxfiled","stock_creator_mchid":"1900000001"}`...)
			req, _ := http.NewRequest("POST", url+"/v3/marketing/favor/users/"+openid+"/coupons", bytes.NewReader(buf))
			req.Header["Content-Type"] = []string{"application/json"}
			if err := s.Sign(req, buf); err != nil {
				b.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
	// CPU per send (client and server together, both in this process) is
	// steadier than sends/s on a shared machine.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/send")
}

// cpuTime is the process's user plus system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func leftPad(n int) string {
	s := strconv.Itoa(n)
	for len(s) < 4 {
		s = "0" + s
	}
	return s
}

func benchFixture(b *testing.B) *fixture.Fixture {
	f := testFixture(b, 5000, 1<<40)
	f.Risk = &fixture.Risk{ReceiveBurst: 1 << 40}
	return f
}

func benchServer(b *testing.B, kind string, clients int) {
	hs := startBenchServer(b, kind)
	s, _ := benchFixture(b).Merchant(mchFiled).HMACSigner(time.Now)
	benchSends(b, hs.URL, s, 5000, clients)
}

// startBenchServer starts a real-time HMAC server on a store of kind.
func startBenchServer(b *testing.B, kind string) *httptest.Server {
	f := benchFixture(b)
	var st Store
	var err error
	if kind == "file" {
		st, err = OpenFileStore(context.Background(), b.TempDir(), f)
	} else if strings.HasPrefix(kind, "redis") {
		st = openBenchRedis(b, f, kind) // redis_bench_test.go
	} else {
		st, err = NewMemoryStore(f)
	}
	if err != nil {
		b.Fatal(err)
	}
	srv, err := New(context.Background(), DefaultConfig(), f, st)
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	b.Cleanup(func() {
		hs.Close()
		st.Close(context.Background())
	})
	return hs
}

// BenchmarkSendHMACMemory measures sends/s with HMAC auth and the memory store.
func BenchmarkSendHMACMemory(b *testing.B) { benchServer(b, "memory", 64) }

// BenchmarkSendHMACFile measures sends/s with HMAC auth and the durable store.
func BenchmarkSendHMACFile(b *testing.B) { benchServer(b, "file", 64) }

// BenchmarkSendHMACFile256 is the durable store with 256 clients: more
// sends share each group commit, as under an open-loop load.
func BenchmarkSendHMACFile256(b *testing.B) { benchServer(b, "file", 256) }

// BenchmarkBareHandler is the same client against a handler that only
// reads the body and answers, for the ratio.
func BenchmarkBareHandler(b *testing.B) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header()["Content-Type"] = []string{"application/json"}
		w.Write([]byte(`{"coupon_id":"10000000000"}`))
	}))
	defer hs.Close()
	s, _ := sign.NewHMAC(mchFiled, "H1", []byte(hmacKey), time.Now)
	benchSends(b, hs.URL, s, 5000, 64)
}

// BenchmarkPaced5000 sends at a fixed 5,000/s for 3 s (open loop: one
// goroutine per request, as vegeta does) and reports the latency
// percentiles, per store.
func BenchmarkPaced5000(b *testing.B) {
	for _, kind := range []string{"memory", "file", "redis", "redis-always"} {
		b.Run(kind, func(b *testing.B) {
			hs := startBenchServer(b, kind)
			s, _ := benchFixture(b).Merchant(mchFiled).HMACSigner(time.Now)
			tr := &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr}
			const rate, dur = 5000, 3 * time.Second
			for b.Loop() {
				n := int(rate * dur / time.Second)
				lat := make([]time.Duration, n)
				var failed atomic.Int64
				var wg sync.WaitGroup
				start := time.Now()
				for i := range n {
					if d := time.Until(start.Add(time.Duration(i) * time.Second / rate)); d > 0 {
						time.Sleep(d)
					}
					wg.Go(func() {
						body := []byte(`{"stock_id":"api","out_request_no":"p` + strconv.Itoa(i) + `-` + strconv.FormatInt(start.UnixNano(), 36) +
							`","appid":"wxfiled","stock_creator_mchid":"1900000001"}`)
						req, _ := http.NewRequest("POST", hs.URL+"/v3/marketing/favor/users/u"+leftPad(i%5000)+"/coupons", bytes.NewReader(body))
						s.Sign(req, body)
						t0 := time.Now()
						resp, err := client.Do(req)
						if err == nil {
							io.Copy(io.Discard, resp.Body)
							resp.Body.Close()
						}
						lat[i] = time.Since(t0)
						if err != nil || resp.StatusCode != 200 {
							failed.Add(1)
						}
					})
				}
				wg.Wait()
				elapsed := time.Since(start)
				slices.Sort(lat)
				b.ReportMetric(float64(n)/elapsed.Seconds(), "sends/s")
				b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[n*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(failed.Load()), "failed")
			}
		})
	}
}
