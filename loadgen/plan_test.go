package loadgen

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// bundledPlans lists the plans in scenarios/loadplans.
func bundledPlans(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "scenarios", "loadplans", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no bundled plans: %v", err)
	}
	return files
}

func TestBundledPlansParse(t *testing.T) {
	for _, f := range bundledPlans(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			p, err := LoadPlanFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name+".yaml" != filepath.Base(f) {
				t.Errorf("plan %q is in %s; name it after its file", p.Name, f)
			}
			if p.Target != TargetBuiltin || p.Day != 10*time.Second {
				t.Errorf("target %q, day %s; bundled plans run on the builtin mock with a 10s day", p.Target, p.Day)
			}
		})
	}
}

func TestParsePlan(t *testing.T) {
	p, err := ParsePlan(strings.NewReader(`
name: mixed
target: http://127.0.0.1:8080/prefix
day: 10s
seed: 7
merchant: {tier: filed, quota: 60000}
http: {timeout: 2s, workers: 4, max_workers: 64}
stocks:
  mini: {channel: mini-program, validity: 7d}
groups:
  vip: {count: 3, require: [bank_card, member]}
phases:
  - name: warm
    mix: {send_v3: 9, query: 1}
    requests: 100
    rate: "30/m"
  - name: ramp
    rate: {profile: ramp, from: 10, to: 100/s, over: 2s, hold: 1s}
    stock: mini
    to: vip
    from: warm
    client_ip: fake
  - name: steps
    rate: {profile: steps, start: 100, step: 100, steps: 3, every: 1s}
    hold: latency.p99 < 50ms
  - name: slots
    rate: {profile: slots, per_day: 96, slots: ["10:00", "10:30"], burst: 10m}
    align: day-start
thresholds:
  - sends.accepted == 100
`), "mixed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Seed != 7 || p.Merchant.Quota != 60000 || p.HTTP.MaxWorkers != 64 || len(p.Phases) != 4 {
		t.Fatalf("plan = %+v", p)
	}
	if got := p.Phases[0].Rate.Rate; got != 0.5 {
		t.Errorf("30/m = %g/s, want 0.5", got)
	}
	if got := p.Phases[2].Rate.Rates; len(got) != 3 || got[2] != 300 {
		t.Errorf("steps = %v, want [100 200 300]", got)
	}
	if got := p.Phases[3].Rate.Slots; len(got) != 2 || got[0] != 20 || got[1] != 21 {
		t.Errorf("slots = %v, want [20 21]", got)
	}
	if p.Phases[1].Mix[0].Op != OpSendV3 || p.Phases[2].Hold == nil {
		t.Errorf("defaults: mix %v, hold %v", p.Phases[1].Mix, p.Phases[2].Hold)
	}
}

func TestParsePlanErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string // each a substring of one error, in order
	}{
		{"empty", ``, []string{"x.yaml: file is empty"}},
		{"syntax", "name: [", []string{"x.yaml:1: YAML syntax error"}},
		{"unknown field", "name: a\nphasez: []\n", []string{
			`x.yaml:2:1: phasez: unknown field "phasez" (allowed: day, description, groups, http, identities, max_duration, merchant, name, phases, seed, stocks, target, thresholds)`,
			"phases: a plan needs at least one phase"}},
		{"wrong types", "name: 5\nseed: -1\nday: 10\nphases:\n  - requests: ten\n    rate: fast\n", []string{
			"x.yaml:1:7: name: want a string, got 5",
			"x.yaml:2:7: seed: want a whole number 0 or more, got -1",
			"x.yaml:3:6: day: want a duration such as",
			"x.yaml:5:15: phases[0].requests: want a whole number, got \"ten\"",
			"x.yaml:6:11: phases[0].rate: want a rate such as"}},
		{"ranges and names", `name: a
target: ftp://x
phases:
  - name: a
    mix: {send: 1, query: 0}
    requests: 20000000
    align: noon
    to: nobody
    from: later
    client_ip: 999.1.1.1
    hold: latency.p99 < 50ms
`, []string{
			`x.yaml:2:9: target: target "ftp://x"`,
			`x.yaml:5:11: phases[0].mix.send: unknown operation "send"`,
			`x.yaml:5:27: phases[0].mix.query: want 1e-09 to 1e+09, got 0`,
			"x.yaml:6:15: phases[0].requests: want 1 to 10000000",
			`x.yaml:7:12: phases[0].align: want none, day-start or fit-day, got "noon"`,
			`x.yaml:8:9: phases[0].to: no group "nobody"`,
			`x.yaml:9:11: phases[0].from: no earlier phase "later"`,
			`x.yaml:10:16: phases[0].client_ip`,
			"x.yaml:11:11: phases[0].hold: hold needs a steps profile"}},
		{"threshold column", "name: a\nphases: [{requests: 1}]\nthresholds:\n  - latency.p99 < 50\n  - \"sends.acepted == 1\"\n", []string{
			"x.yaml:4:17: thresholds[0]: threshold \"latency.p99 < 50\": < compares a duration with a number",
			"x.yaml:5:6: thresholds[1]: threshold \"sends.acepted == 1\": unknown field \"acepted\""}},
		{"rules", `name: a
stocks:
  cash: {kind: cash-red-packet, channel: chat, face: 300, validity: 40d}
phases: [{requests: 1, stock: cash}]
`, []string{"x.yaml:3:3: stocks.cash: R1: value limit", "x.yaml:3:3: stocks.cash: R1: coupon may not be gifted", "x.yaml:3:3: stocks.cash: C1: validity"}},
		{"unbounded", "name: a\nphases: [{rate: 10}]\n", []string{"phases[0].rate: set requests"}},
		{"profile too short", "name: a\nphases: [{requests: 100, rate: {profile: ramp, from: 1, to: 2, over: 1s}}]\n",
			[]string{"delivers 2 requests, fewer than the 100 asked for"}},
		{"too long", "name: a\nmax_duration: 1m\nphases: [{requests: 1000, rate: 10}]\n", []string{"x.yaml:2:15: max_duration: the phases' schedules and waits for the platform day take up to 1m40s"}},
		{"alias", "name: &n a\nphases: [{requests: 1}]\n", []string{"YAML anchors and aliases are not supported"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePlan(strings.NewReader(tt.yaml), "x.yaml")
			var errs PlanErrors
			if !errors.As(err, &errs) || !errors.Is(err, ErrPlan) {
				t.Fatalf("err = %v, want PlanErrors", err)
			}
			if len(errs) < len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %d = %q, want it to contain %q\nall:\n%v", i, errs[i].Error(), w, err)
				}
			}
		})
	}
}

func TestParsePlanTooLarge(t *testing.T) {
	_, err := ParsePlan(strings.NewReader("name: a\n"+strings.Repeat("#", MaxPlanSize)), "big.yaml")
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v", err)
	}
}

// FuzzParsePlan checks that any input is refused with a plan error or
// accepted, in bounded time, without a panic.
func FuzzParsePlan(f *testing.F) {
	for _, p := range bundledPlans(f) {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("name: a\nphases: [{requests: 1, rate: {profile: slots, per_day: 5, slots: [\"23:30\"]}}]\n")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePlan(strings.NewReader(s), "f.yaml")
		if err != nil {
			if !errors.Is(err, ErrPlan) {
				t.Fatalf("err = %v, want an ErrPlan", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted plan fails Validate: %v", err)
		}
		for _, ph := range p.Phases {
			if _, err := ph.Schedule(p.Day, 0, 1); err != nil {
				t.Fatalf("accepted phase %s has no schedule: %v", ph.Name, err)
			}
		}
	})
}

// TestParsePlanSecondDocument checks that a plan file holds one YAML
// document: a second is refused where it starts, not silently dropped.
func TestParsePlanSecondDocument(t *testing.T) {
	_, err := ParsePlan(strings.NewReader("name: a\nphases: [{requests: 1}]\n---\nname: b\n"), "two.yaml")
	if !errors.Is(err, ErrPlan) || !strings.Contains(err.Error(), "two.yaml:3: YAML syntax error: a second document starts here; a load plan holds one") {
		t.Fatalf("err = %v, want the second document refused", err)
	}
}
