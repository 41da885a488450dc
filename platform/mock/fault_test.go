package mock

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// filedUsed is the filed merchant's quota used today on h.
func filedUsed(t *testing.T, h *harness) int {
	t.Helper()
	us, err := h.store.Usage(context.Background(), h.srv.Clock().Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if u.MchID == mchFiled {
			return u.Used
		}
	}
	t.Fatal("no usage for the filed merchant")
	return 0
}

// TestFaultShare checks that an injected 5xx share comes out within
// binomial tolerance, that every injected answer is 500 SYSTEM_ERROR
// "injected fault", that only the calls that ran used quota, and that
// /healthz and /metrics are never faulted while the metrics count the
// faults under their own label.
func TestFaultShare(t *testing.T) {
	for _, share := range []float64{0, 0.1, 0.5, 1} {
		t.Run(fmt.Sprint(share), func(t *testing.T) {
			const n = 600
			f := testFixture(t, n, 0)
			cfg := Config{Seed: 7, Fault: Fault{Share5xx: share}}
			h := newHarness(t, f, storeKinds[0].open(t, f, ""), cfg)
			failedN, ok := 0, 0
			for i := range n {
				r := h.send(fmt.Sprintf("u%04d", i), "api", fmt.Sprintf("fault%d", i))
				switch r.status {
				case http.StatusOK:
					ok++
				case http.StatusInternalServerError:
					want(t, r, 500, "SYSTEM_ERROR")
					if r.str("message") != InjectedFaultMessage {
						t.Fatalf("message %q, want %q", r.str("message"), InjectedFaultMessage)
					}
					failedN++
				default:
					t.Fatalf("send %d: %d %s", i, r.status, r.raw)
				}
				if i%50 == 0 {
					want(t, h.do(nil, "GET", "/healthz", nil), 200, "")
				}
			}
			// Binomial: within 5 standard deviations of n·share.
			if tol := 5 * math.Sqrt(n*share*(1-share)); math.Abs(float64(failedN)-n*share) > tol {
				t.Errorf("%d of %d injected, want %.0f ± %.0f", failedN, n, n*share, tol)
			}
			if used := filedUsed(t, h); used != ok {
				t.Errorf("quota used %d, want the %d sends that ran: an injected fault must not change state", used, ok)
			}
			resp, err := h.client.Get(h.hs.URL + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("/metrics answered %d", resp.StatusCode)
			}
			line := fmt.Sprintf(`giftsim_mock_injected_faults_total{kind="5xx",route="v3_send"} %d`, failedN)
			if has := strings.Contains(string(b), line); has != (failedN > 0) {
				t.Errorf("/metrics: %q present %v, want %v", line, has, failedN > 0)
			}
			coded := fmt.Sprintf(`giftsim_mock_requests_total{code="INJECTED_FAULT",route="v3_send"} %d`, failedN)
			if has := strings.Contains(string(b), coded); has != (failedN > 0) {
				t.Errorf("/metrics: %q present %v, want %v", coded, has, failedN > 0)
			}
		})
	}
}

// TestFaultRetrySucceeds checks that a send answered with an injected
// fault ran nowhere: retried with its out_request_no on a server without
// faults over the same store, it issues a fresh coupon.
func TestFaultRetrySucceeds(t *testing.T) {
	f := testFixture(t, 4, 0)
	st := storeKinds[0].open(t, f, "")
	h := newHarness(t, f, st, Config{Fault: Fault{Share5xx: 1}})
	want(t, h.send("u0000", "api", "retry1"), 500, "SYSTEM_ERROR")
	srv, err := New(context.Background(), Config{Day: 24 * time.Hour, Auth: AuthSign, Now: h.clock.Now}, f, st)
	if err != nil {
		t.Fatal(err)
	}
	h2 := *h
	h2.hs = httptest.NewServer(srv)
	t.Cleanup(h2.hs.Close)
	r := h2.send("u0000", "api", "retry1")
	want(t, r, 200, "")
	if filedUsed(t, h) != 1 {
		t.Errorf("quota used %d, want 1", filedUsed(t, h))
	}
}

// TestFaultLatency checks that added latency delays authenticated calls
// and not /healthz.
func TestFaultLatency(t *testing.T) {
	f := testFixture(t, 4, 0)
	h := newHarness(t, f, storeKinds[0].open(t, f, ""), Config{Fault: Fault{Latency: 60 * time.Millisecond, Jitter: 10 * time.Millisecond}})
	t0 := time.Now()
	want(t, h.send("u0000", "api", "lat1"), 200, "")
	if el := time.Since(t0); el < 60*time.Millisecond {
		t.Errorf("send took %s, want at least the injected 60ms", el)
	}
	// /healthz is not delayed: a hundred of them would take 6 s if it were.
	t0 = time.Now()
	for range 100 {
		want(t, h.do(nil, "GET", "/healthz", nil), 200, "")
	}
	if el := time.Since(t0); el >= 6*time.Second {
		t.Errorf("100 /healthz took %s: were they delayed?", el)
	}
}

// TestFaultValidate checks the bounds of Fault and what it says.
func TestFaultValidate(t *testing.T) {
	for _, tt := range []struct {
		f  Fault
		ok bool
	}{
		{Fault{}, true},
		{Fault{Share5xx: 1, Latency: time.Minute, Jitter: time.Second}, true},
		{Fault{Share5xx: -0.1}, false},
		{Fault{Share5xx: 1.01}, false},
		{Fault{Share5xx: math.NaN()}, false},
		{Fault{Latency: -time.Millisecond}, false},
		{Fault{Jitter: 2 * time.Minute}, false},
	} {
		if err := tt.f.Validate(); (err == nil) != tt.ok {
			t.Errorf("%+v: Validate() = %v, want ok %v", tt.f, err, tt.ok)
		}
	}
	if s := (Fault{Share5xx: 0.05, Latency: 20 * time.Millisecond, Jitter: 5 * time.Millisecond}).String(); !strings.Contains(s, "5% of authenticated calls") || !strings.Contains(s, "20ms added latency plus up to 5ms") {
		t.Errorf("String() = %q", s)
	}
	if _, err := New(context.Background(), Config{Day: time.Hour, Auth: AuthSign, Fault: Fault{Share5xx: 2}}, testFixture(t, 1, 0), nil); err == nil {
		t.Error("New accepted a 5xx share of 2")
	}
}
