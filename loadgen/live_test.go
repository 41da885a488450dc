package loadgen_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"

	"giftsim/loadgen"
	"giftsim/platform/api"
	"giftsim/platform/mock"
	"giftsim/reports"
)

// abortPlanText stops the run when more than 1% of answers over the last
// 2 s are 5xx (at least 50 of them).
const abortPlanText = `
name: abort-on-5xx
day: 1m
max_duration: 1m
merchant: {tier: filed}
http: {workers: 8, max_workers: 32}
phases:
  - {name: sends, requests: 1000, rate: 200/s}
thresholds:
  - {expr: "codes.5xx <= 1% * requests", abort: true, window: 2s, min_requests: 50}
  - codes.5xx == 0
`

// runFaulty runs plan against the mock answering a share of the signed
// calls 500 SYSTEM_ERROR (its fault injection, mock.Fault).
func runFaulty(t *testing.T, plan *loadgen.Plan, share float64, opts ...func(*loadgen.Driver)) (*loadgen.Summary, error) {
	t.Helper()
	return runFault(t, plan, mock.Fault{Share5xx: share}, opts...)
}

// runFault runs plan against the mock injecting fault.
func runFault(t *testing.T, plan *loadgen.Plan, fault mock.Fault, opts ...func(*loadgen.Driver)) (*loadgen.Summary, error) {
	t.Helper()
	f := builtinFixture(t, plan)
	st, err := mock.NewMemoryStore(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close(context.Background()) })
	cfg := mock.DefaultConfig()
	cfg.Day, cfg.Fault = plan.Day, fault
	srv, err := mock.New(context.Background(), cfg, f, st)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	d, err := loadgen.New(append([]func(*loadgen.Driver){loadgen.WithPlan(plan), loadgen.WithTarget(hs.URL), loadgen.WithFixture(f)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return d.Run(context.Background())
}

// TestAbortOn5xx runs a plan against a platform answering half its
// calls 5xx: its abort threshold stops the run within its window, and the
// summary and report say which threshold, when and what it saw.
func TestAbortOn5xx(t *testing.T) {
	plan := parsePlan(t, "abort.yaml", abortPlanText)
	sum, err := runFaulty(t, plan, 0.5)
	if !errors.Is(err, loadgen.ErrAborted) || sum == nil || sum.Aborted == nil {
		t.Fatalf("Run = %v, %v; want ErrAborted with the summary", sum, err)
	}
	a := sum.Aborted
	if a.Expr != "codes.5xx <= 1% * requests" || a.Requests < 50 || a.Window != 2*time.Second {
		t.Errorf("aborted %+v", a)
	}
	// Stopped within its window: the window filled in a fraction of the
	// schedule, so most of the 1,000 requests were never sent.
	if n, _ := sum.Metric("", "requests"); n >= 1000 || n < 50 {
		t.Errorf("%v requests answered, want the run stopped early", n)
	}
	if sum.Passed() || sum.Interrupted {
		t.Errorf("passed %v, interrupted %v: an aborted run fails and is not an interruption", sum.Passed(), sum.Interrupted)
	}
	l := sum.Load()
	if l.Aborted == nil || l.Passed() {
		t.Fatalf("load result aborted %v, passed %v", l.Aborted, l.Passed())
	}
	var b strings.Builder
	if err := reports.WriteLoadText(&b, l); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "aborted by threshold codes.5xx <= 1% * requests at ") || !strings.Contains(b.String(), "codes.5xx = ") {
		t.Errorf("summary does not say the run was aborted:\n%s", b.String())
	}
	dir := t.TempDir()
	if err := reports.WriteLoad(context.Background(), dir, l); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "Fail: the run was aborted by threshold codes.5xx &lt;= 1% * requests") {
		t.Errorf("report.html does not mark the run aborted")
	}
}

// TestAbortPlanWithoutFaults runs the same plan against a healthy
// platform: it runs to its end and passes.
func TestAbortPlanWithoutFaults(t *testing.T) {
	plan := parsePlan(t, "abort.yaml", abortPlanText)
	sum, err := runFaulty(t, plan, 0)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Aborted != nil || !sum.Passed() {
		t.Errorf("aborted %v, verdicts %v", sum.Aborted, sum.Verdicts)
	}
	expect(t, sum, "", map[string]float64{"requests": 1000, "codes.5xx": 0})
}

// TestStagingPlanAborts runs the bundled staging plan against a mock in
// trouble: 5% of answers 5xx stops it by its 5xx threshold, answers
// slower than its 2 s timeout by its no-answer threshold.
func TestStagingPlanAborts(t *testing.T) {
	for _, tc := range []struct {
		fault mock.Fault
		want  string
	}{
		{mock.Fault{Share5xx: 0.05}, "codes.5xx / requests <= 1%"},
		{mock.Fault{Latency: 3 * time.Second}, "(codes.TIMEOUT + codes.TRANSPORT) / requests <= 1%"},
	} {
		sum, err := runFault(t, loadPlan(t, "staging-guarded"), tc.fault)
		if !errors.Is(err, loadgen.ErrAborted) || sum.Aborted == nil || sum.Aborted.Expr != tc.want {
			t.Errorf("fault %s: Run = %v, aborted %+v; want aborted by %s", tc.fault, err, sum.Aborted, tc.want)
			continue
		}
		if n, _ := sum.Metric("", "requests"); n >= 2525 {
			t.Errorf("fault %s: %v requests, want the run stopped early", tc.fault, n)
		}
	}
}

// scrape reads a /metrics page in Prometheus's text format.
func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(b)
}

// families returns the metric families of a text page and their types.
func families(text string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			out[f[2]] = f[3]
		}
	}
	return out
}

// TestLiveMetrics scrapes the driver's metrics during a real run: promlint
// (what promtool check metrics runs) finds no problem, the platform codes
// read from the body are there, and every metric the Grafana dashboard
// queries exists on the driver's or the mock's /metrics.
func TestLiveMetrics(t *testing.T) {
	plan := parsePlan(t, "metrics.yaml", `
name: live-metrics
day: 1m
merchant: {tier: new}
phases:
  - {name: sends, requests: 600, rate: 300/s, mix: {send_v3: 9, query: 1}}
`)
	f := builtinFixture(t, plan)
	mockURL := startMock(t, plan, f)
	m := loadgen.NewMetrics()
	ms := httptest.NewServer(m.Handler())
	defer ms.Close()
	d, err := loadgen.New(loadgen.WithPlan(plan), loadgen.WithTarget(mockURL), loadgen.WithFixture(f), loadgen.WithMetrics(m))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var runErr error
	done := make(chan struct{})
	wg.Go(func() {
		defer close(done)
		_, runErr = d.Run(context.Background())
	})
	var during string
	for during == "" {
		select {
		case <-done:
			t.Fatal("the run ended before a scrape saw an answer")
		case <-time.After(50 * time.Millisecond):
		}
		if text := scrape(t, ms.URL); strings.Contains(text, `giftsim_load_phase{phase="sends"} 1`) && strings.Contains(text, loadgen.MetricResponses+"{") {
			during = text
		}
	}
	wg.Wait()
	if runErr != nil {
		t.Fatal(runErr)
	}
	problems, err := promlint.New(strings.NewReader(during)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	if path, err := exec.LookPath("promtool"); err == nil {
		cmd := exec.Command(path, "check", "metrics")
		cmd.Stdin = strings.NewReader(during)
		if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("promtool check metrics: %v\n%s", err, out)
		}
	}

	after := scrape(t, ms.URL)
	for _, want := range []string{
		`giftsim_load_responses_total{code="accepted",op="send_v3",status="200"} 500`,
		`giftsim_load_responses_total{code="FREQUENCY_LIMITED",op="send_v3",status="`,
		`giftsim_load_quota_used{mchid="`,
		`giftsim_load_phase{phase="sends"} 0`,
		`giftsim_load_aborted 0`,
	} {
		if !strings.Contains(after, want) {
			t.Errorf("metrics after the run lack %q:\n%s", want, after)
		}
	}

	// The dashboard names only metrics the driver or the mock exposes.
	have := families(after)
	for name, typ := range families(scrape(t, mockURL+api.PathMetrics)) {
		have[name] = typ
	}
	for _, name := range dashboardMetrics(t, filepath.Join("..", "deploy", "grafana", "giftsim-load.json")) {
		base := name
		for _, suf := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(name, suf); ok && have[b] == "histogram" {
				base = b
			}
		}
		if _, ok := have[base]; !ok {
			t.Errorf("the dashboard queries %s, which neither /metrics exposes", name)
		}
	}
}

// promqlWords are PromQL's functions, aggregations and keywords, which are
// not metric names.
var promqlWords = []string{"sum", "avg", "min", "max", "count", "rate", "irate", "increase", "histogram_quantile",
	"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
	"clamp_min", "clamp_max", "topk", "bottomk", "abs", "vector", "scalar", "time", "delta", "deriv", "label_replace"}

// dashboardMetrics returns the metric names the dashboard's PromQL reads:
// the identifiers left once strings, label matchers, ranges and by/without
// label lists are taken out, less PromQL's own words.
func dashboardMetrics(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	strip := regexp.MustCompile(`"(?:[^"\\]|\\.)*"|\{[^}]*\}|\[[^\]]*\]|\b(?:by|without)\s*\([^)]*\)`)
	ident := regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	var names []string
	exprs := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			exprs++
			rest := strip.ReplaceAllString(tg.Expr, " ")
			found := false
			for _, id := range ident.FindAllString(rest, -1) {
				if slices.Contains(promqlWords, id) {
					continue
				}
				found = true
				if !slices.Contains(names, id) {
					names = append(names, id)
				}
			}
			if !found {
				t.Errorf("panel %q: %q reads no metric", p.Title, tg.Expr)
			}
		}
	}
	if exprs < 10 {
		t.Errorf("the dashboard has %d queries; want rate, latency, codes and quota for driver and mock", exprs)
	}
	return names
}
