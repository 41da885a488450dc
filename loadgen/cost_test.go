//go:build unix

package loadgen_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"giftsim/loadgen"
	"giftsim/platform/fixture"
)

// costRequests is how many requests each side sends per round.
const costRequests = 10_000

// costWorkers is the requests in flight on each side.
const costWorkers = 32

// bareHandler answers every request 200 {} at once: the floor under both
// sides, so the rates compare the two clients' own cost.
var bareHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, "{}")
})

// stopAfter paces as fast as the workers go and stops after n requests.
type stopAfter uint64

func (n stopAfter) Pace(_ time.Duration, hits uint64) (time.Duration, bool) {
	return 0, hits >= uint64(n)
}
func (n stopAfter) Rate(time.Duration) float64 { return 0 }

// vegetaRound is what `vegeta attack -rate=0 -max-workers=32 > file` does:
// vegeta's attacker sending one signed-size POST as fast as its workers
// go, every result gob-encoded to the output. It returns requests/s.
func vegetaRound(b *testing.B, url string) float64 {
	body := []byte(`{"stock_id":"9856000000000001","out_request_no":"gs0000000000000001","appid":"wx0000000000000001","stock_creator_mchid":"1900000001"}`)
	hdr := http.Header{"Content-Type": {"application/json"}, "Authorization": {strings.Repeat("x", 180)}}
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodPost, URL: url + "/v3/marketing/favor/users/o0000000000000000000000001/coupons", Body: body, Header: hdr})
	atk := vegeta.NewAttacker(vegeta.Workers(costWorkers), vegeta.MaxWorkers(costWorkers), vegeta.KeepAlive(true))
	enc := vegeta.NewEncoder(io.Discard)
	start := time.Now()
	n := 0
	for r := range atk.Attack(tr, stopAfter(costRequests), 0, "cost") {
		if err := enc.Encode(r); err != nil {
			b.Fatal(err)
		}
		if r.Code == http.StatusOK {
			n++
		}
	}
	if n != costRequests {
		b.Fatalf("vegeta: %d of %d answered 200", n, costRequests)
	}
	return float64(n) / time.Since(start).Seconds()
}

// driverRound is giftsim load with its results written out (as --out
// does), sending as fast as its workers go, with or without its live
// metrics served and scraped once a second. It returns requests/s.
func driverRound(b *testing.B, url string, plan *loadgen.Plan, fix *fixture.Fixture, metrics bool) float64 {
	opts := []func(*loadgen.Driver){loadgen.WithPlan(plan), loadgen.WithTarget(url), loadgen.WithFixture(fix), loadgen.WithOutput(io.Discard)}
	if metrics {
		m := loadgen.NewMetrics()
		ms := httptest.NewServer(m.Handler())
		defer ms.Close()
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					if resp, err := http.Get(ms.URL); err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
			}
		}()
		opts = append(opts, loadgen.WithMetrics(m))
	}
	d, err := loadgen.New(opts...)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	sum, err := d.Run(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	el := time.Since(start)
	// A machine too busy to send them all within the phase's bound (5 s)
	// cuts the phase off: the rate is what was sent in the time taken.
	n, _ := sum.Metric("", "sends.accepted")
	if n < 1 {
		b.Fatal("driver: no request answered")
	}
	return n / el.Seconds()
}

// BenchmarkDriverVsVegeta compares the driver's rate with vegeta's own
// attack loop against the same bare handler, in turn in the same run:
// each round sends 10,000 requests with 32 in flight from each side.
// vegeta/s, driver/s and driver+metrics/s are the rates; the ratios are
// the driver's against vegeta's (docs/PERFORMANCE.md). Run it with
//
//	go test -run '^$' -bench DriverVsVegeta -benchtime 5x ./loadgen
func BenchmarkDriverVsVegeta(b *testing.B) {
	srv := httptest.NewServer(bareHandler)
	defer srv.Close()
	plan, err := loadgen.ParsePlan(strings.NewReader(`
name: cost
day: 1d
merchant: {tier: filed}
http: {workers: 32, max_workers: 32}
phases: [{name: flat-out, requests: 10000, rate: 1000000/s}]
`), "cost.yaml")
	if err != nil {
		b.Fatal(err)
	}
	fix := builtinFixture(b, plan)
	// Each round runs the three in turn, each round starting with the
	// next, and the ratios are taken round by round, so a machine whose
	// speed drifts moves both sides of a ratio.
	var veg, drv, drvM, ratio, ratioM float64
	var cpu [3]time.Duration // cpu is each side's process CPU time, both sides of loopback
	round := 0
	for b.Loop() {
		var r [3]float64
		for k := range 3 {
			i := (round + k) % 3
			c0 := processCPU()
			if i == 0 {
				r[i] = vegetaRound(b, srv.URL)
			} else {
				r[i] = driverRound(b, srv.URL, plan, fix, i == 2)
			}
			cpu[i] += processCPU() - c0
		}
		round++
		v, d, m := r[0], r[1], r[2]
		veg, drv, drvM, ratio, ratioM = veg+v, drv+d, drvM+m, ratio+d/v, ratioM+m/v
	}
	n := float64(b.N)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(veg/n, "vegeta/s")
	b.ReportMetric(drv/n, "driver/s")
	b.ReportMetric(drvM/n, "driver+metrics/s")
	b.ReportMetric(ratio/n, "driver/vegeta")
	b.ReportMetric(ratioM/n, "metrics/vegeta")
	// CPU per request (client, bare handler and loopback together): less
	// moved by other work on the machine than the rates.
	perReq := func(c time.Duration) float64 { return float64(c.Microseconds()) / (n * costRequests) }
	b.ReportMetric(perReq(cpu[0]), "vegeta-µs-cpu/req")
	b.ReportMetric(perReq(cpu[1]), "driver-µs-cpu/req")
	b.ReportMetric(perReq(cpu[2]), "metrics-µs-cpu/req")
}

// processCPU returns the user and system CPU time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
