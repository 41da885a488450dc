package reports

import (
	"context"
	"strings"
	"testing"
	"time"

	"giftsim/results"
	"giftsim/scenarios"
	"giftsim/sim"
)

// quotaFixture is an arm of a new merchant at 500 a day, certified on day
// 15 (5,000 a day), that wants 1,200 sends a day and spends its budget on
// day 25.
func quotaFixture() results.Arm {
	start := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	est := func(m float64) results.Estimate { return results.Estimate{Mean: m, Low: m, High: m, N: 10} }
	a := results.Arm{Name: "certified-day-15"}
	for d := range 30 {
		q, tier := 500, "new"
		if d >= 15 {
			q, tier = 5000, "certified"
		}
		attempted := 1200.0
		issued := min(attempted, float64(q))
		byQuota, byBudget := attempted-issued, 0.0
		if d >= 25 {
			issued, byQuota, byBudget = 0, 0, attempted
		}
		a.Quota = append(a.Quota, results.QuotaDay{Day: d, Date: start.AddDate(0, 0, d).Format(time.DateOnly),
			Tier: tier, Quota: q, Attempted: est(attempted), Issued: est(issued),
			QuotaRefused: est(byQuota), BudgetRefused: est(byBudget)})
	}
	return a
}

// TestQuotaSentence checks the sentence that says where the quota binds.
func TestQuotaSentence(t *testing.T) {
	never := quotaFixture()
	for i := range never.Quota {
		d := &never.Quota[i]
		d.Quota, d.Issued, d.QuotaRefused, d.BudgetRefused = 50000, d.Attempted, results.Estimate{}, results.Estimate{}
	}
	twice := quotaFixture()
	twice.Quota = twice.Quota[:20]
	for i := 15; i < 20; i++ {
		d := &twice.Quota[i]
		d.Quota, d.Issued, d.QuotaRefused = 1000, results.Estimate{Mean: 1000}, results.Estimate{Mean: 200}
	}
	tests := []struct {
		name string
		arm  results.Arm
		want []string
	}{
		{"binds, then not, then the budget", quotaFixture(), []string{
			"the 500-a-day quota binds on days 0–14 (Mar 2–Mar 16): 10,500 sends refused",
			"from day 15 (Mar 17) it does not bind",
			"The budget is spent on day 25 (Mar 27): 6,000 sends refused from then on."}},
		{"never binds", never, []string{"the daily quota does not bind (at most 2% of it used"}},
		{"two quotas that bind", twice, []string{
			"the 500-a-day quota binds on days 0–14",
			"the 1,000-a-day quota binds on days 15–19 (Mar 17–Mar 21): 1,000 sends refused."}},
		{"binds to the end of the sends", func() results.Arm {
			a := quotaFixture()
			for i := range a.Quota {
				d := &a.Quota[i]
				d.Quota, d.BudgetRefused = 500, results.Estimate{}
				if i < 25 {
					d.Issued, d.QuotaRefused = results.Estimate{Mean: 500}, results.Estimate{Mean: 700}
				} else {
					d.Attempted, d.Issued, d.QuotaRefused = results.Estimate{}, results.Estimate{}, results.Estimate{}
				}
			}
			return a
		}(), []string{"binds on days 0–24 (Mar 2–Mar 26): 17,500 sends refused; from day 25 (Mar 27) no sends are made."}},
		{"no quota days", results.Arm{Name: "old"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := quotaSentence(English, tc.arm)
			if tc.want == nil && got != "" {
				t.Fatalf("got %q, want nothing", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q\nwant it to hold %q", got, w)
				}
			}
		})
	}
}

// TestQuotaTextOnlyWhenBinding checks that the terminal names an arm's
// quota only when the quota or the budget refused sends.
func TestQuotaTextOnlyWhenBinding(t *testing.T) {
	sim := simFixture(1, 30, false)
	var b strings.Builder
	writeQuotaText(&b, English, sim)
	if b.Len() != 0 {
		t.Fatalf("results without quota days: %q", b.String())
	}
	sim.Arms = append(sim.Arms, quotaFixture())
	writeQuotaText(&b, English, sim)
	if !strings.Contains(b.String(), "certified-day-15: the 500-a-day quota binds") {
		t.Fatalf("got %q", b.String())
	}
}

// TestNotReached checks how a censored time to a target reads.
func TestNotReached(t *testing.T) {
	if s := notReached(results.Estimate{Mean: 12, N: 10}); s != "" {
		t.Fatalf("a target reached in every replication: %q", s)
	}
	if s := notReached(results.Estimate{Mean: 27.5, N: 10, Censored: 3}); s != "not reached in 3 of 10 (≥ 27.5)" {
		t.Fatalf("got %q", s)
	}
}

// newMerchantQuotaCase is the browser test's case of the new-merchant-quota
// example's report, run small; figs counts a report's figures.
func newMerchantQuotaCase(t *testing.T, figs func(*results.Simulation) int) (c struct {
	name  string
	dir   string
	figs  int
	title string
	sim   bool
}) {
	res := exampleResults(t, "new-merchant-quota", smallQuotaExample...)
	c.name, c.dir, c.figs, c.title, c.sim = "new-merchant-quota", writeSimTemp(t, res), figs(res), "new-merchant-quota", true
	return c
}

// exampleResults runs the bundled example name at a small size (the
// settings in set).
func exampleResults(t *testing.T, name string, set ...string) *results.Simulation {
	t.Helper()
	s, err := scenarios.ParseExample(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set(set); err != nil {
		t.Fatal(err)
	}
	res, err := sim.RunExperiment(context.Background(), s.Experiment(), sim.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// smallQuotaExample is the size the tests run new-merchant-quota at.
var smallQuotaExample = []string{"population.users=1500", "replications=2"}

// TestNewMerchantQuotaReport runs the new-merchant-quota example small and
// checks that its report has a quota chart per arm, which says where the
// quota binds.
func TestNewMerchantQuotaReport(t *testing.T) {
	res := exampleResults(t, "new-merchant-quota", smallQuotaExample...)
	font := mustFont(t)
	var quota []*figure
	for _, f := range newSimPage(measurer(font), res).figures() {
		if strings.HasPrefix(f.Name, "quota-") {
			quota = append(quota, f)
		}
	}
	if len(quota) != len(res.Arms) {
		t.Fatalf("%d quota charts for %d arms", len(quota), len(res.Arms))
	}
	if err := quota[0].renderSVG(font); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(quota[0].svg), "the 500-a-day quota binds on day") {
		t.Fatal("the quota chart does not say where the quota binds")
	}
}
