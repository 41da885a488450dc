package mock

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"giftsim/platform"
	"giftsim/platform/api"
)

// Fault makes the mock misbehave on purpose, for rehearsing how a client or
// a load plan's abort thresholds react to a failing platform. It applies to
// authenticated calls only, never to /healthz or /metrics, and is decided
// before the endpoint runs, so an injected fault changes no platform state
// (quota, coupons, offers).
type Fault struct {
	// Share5xx is the share of authenticated calls, 0 to 1, answered 500
	// SYSTEM_ERROR "injected fault" instead of running.
	Share5xx float64
	// Latency is added to every authenticated call before it runs.
	Latency time.Duration
	// Jitter adds a further uniform 0 to Jitter to each call's latency.
	Jitter time.Duration
}

// MaxFaultLatency bounds Fault.Latency and Fault.Jitter.
const MaxFaultLatency = time.Minute

// InjectedFaultMessage is the message of an injected 5xx answer.
const InjectedFaultMessage = "injected fault"

// injectedCode labels injected 5xx answers in giftsim_mock_requests_total,
// apart from real SYSTEM_ERROR answers (the body says SYSTEM_ERROR).
const injectedCode platform.Code = "INJECTED_FAULT"

// Active reports whether f injects anything.
func (f Fault) Active() bool { return f.Share5xx > 0 || f.Latency > 0 || f.Jitter > 0 }

// Validate checks f.
func (f Fault) Validate() error {
	if !(f.Share5xx >= 0 && f.Share5xx <= 1) {
		return fmt.Errorf("%w: fault 5xx share must be 0 to 1, got %v", platform.ErrInvalid, f.Share5xx)
	}
	if f.Latency < 0 || f.Latency > MaxFaultLatency || f.Jitter < 0 || f.Jitter > MaxFaultLatency {
		return fmt.Errorf("%w: fault latency and jitter must be 0 to %s, got %s and %s", platform.ErrInvalid, MaxFaultLatency, f.Latency, f.Jitter)
	}
	return nil
}

// String says what f injects, for the server's start-up warning.
func (f Fault) String() string {
	var parts []string
	if f.Share5xx > 0 {
		parts = append(parts, fmt.Sprintf("%.4g%% of authenticated calls answer 500 SYSTEM_ERROR %q", 100*f.Share5xx, InjectedFaultMessage))
	}
	if f.Latency > 0 || f.Jitter > 0 {
		s := fmt.Sprintf("%s added latency", f.Latency)
		if f.Jitter > 0 {
			s += fmt.Sprintf(" plus up to %s of jitter", f.Jitter)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// faults injects a Fault, drawing from a PCG stream keyed by the server's
// seed and the purpose "fault".
type faults struct {
	f        Fault
	mu       sync.Mutex
	rng      *rand.Rand
	injected *prometheus.CounterVec
}

// faultStream is the purpose key of the fault PCG stream.
const faultStream = 0x6661756c74 // "fault"

func newFaults(f Fault, seed uint64, reg *prometheus.Registry) *faults {
	if !f.Active() {
		return nil
	}
	fs := &faults{f: f, rng: rand.New(rand.NewPCG(seed, faultStream)),
		injected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "giftsim_mock_injected_faults_total", Help: "Faults injected on purpose (serve --fault-*), by route and kind (5xx, latency).",
		}, []string{"route", "kind"})}
	reg.MustRegister(fs.injected)
	return fs
}

// draw decides one call's fault: whether it fails and how long it waits.
func (fs *faults) draw() (fail bool, wait time.Duration) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.f.Share5xx > 0 {
		fail = fs.rng.Float64() < fs.f.Share5xx
	}
	wait = fs.f.Latency
	if fs.f.Jitter > 0 {
		wait += time.Duration(fs.rng.Int64N(int64(fs.f.Jitter)))
	}
	return fail, wait
}

// inject applies one call's fault before its endpoint runs: it waits the
// added latency (or until the caller goes away) and, for a call drawn to
// fail, answers 500 SYSTEM_ERROR and reports true, so the endpoint does not
// run and the platform's state is untouched.
func (s *Server) inject(ctx context.Context, w http.ResponseWriter, route string, start time.Time) bool {
	fail, wait := s.faults.draw()
	if wait > 0 {
		s.faults.injected.WithLabelValues(route, "latency").Inc()
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if !fail {
		return false
	}
	s.faults.injected.WithLabelValues(route, "5xx").Inc()
	s.write(w, http.StatusInternalServerError, api.Error{Code: platform.CodeSystemError, Message: InjectedFaultMessage})
	s.observe(route, injectedCode, start)
	return true
}
