package calibrate

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"giftsim/sim"
)

// Context is one setting of a panel: overrides applied to a target's
// scenario, written as `giftsim run --set` takes them.
type Context struct {
	Name string   // Name says which levels the context takes, e.g. "catering, 15% customers, 10 CNY, official account".
	Set  []string // Set are the overrides, e.g. "merchant.industry=retail-ecommerce".
}

// ContextUsers is the population each context of a panel runs with, unless
// Options.ContextUsers says otherwise: eight contexts of 10,000 users cost
// about what the targets' own scenarios cost at full size.
const ContextUsers = 10000

// panelFactor is one two-level factor of the default panel.
type panelFactor struct {
	name   string
	levels [2]factorLevel
}

type factorLevel struct {
	label string
	set   []string
}

// panelFactors are the default panel's factors: the seed's figures carry
// no context, so each is taken as a claim about typical campaigns across
// the industries, audiences, face values and channels merchants use.
var panelFactors = []panelFactor{
	{"industry", [2]factorLevel{
		{"catering", []string{"merchant.industry=catering"}},
		{"retail", []string{"merchant.industry=retail-ecommerce"}},
	}},
	{"audience", [2]factorLevel{
		{"15% customers", []string{"population.existing_customers=0.15"}},
		{"40% customers", []string{"population.existing_customers=0.4"}},
	}},
	{"face value", [2]factorLevel{
		{"10 off 50", []string{"coupon.face_value=10", "coupon.min_spend=50"}},
		{"30 off 100", []string{"coupon.face_value=30", "coupon.min_spend=100"}},
	}},
	{"channel", [2]factorLevel{
		{"official account", []string{"campaign[0].channel=official-account"}},
		{"payment popup", []string{"campaign[0].channel=payment-popup"}},
	}},
}

// DefaultPanel is the panel the default targets are evaluated over: the
// half fraction 2⁴⁻¹ (defining relation D = ABC, resolution IV) of the
// four two-level factors industry (A), audience (B), face value (C) and
// channel (D). Every factor is balanced, and no two main effects are
// confounded with each other or with a two-factor interaction.
func DefaultPanel() []Context {
	var out []Context
	for run := range 8 {
		lv := [4]int{run & 1, run >> 1 & 1, run >> 2 & 1, 0}
		lv[3] = lv[0] ^ lv[1] ^ lv[2]
		var names, set []string
		for f, l := range lv {
			names = append(names, panelFactors[f].levels[l].label)
			set = append(set, panelFactors[f].levels[l].set...)
		}
		out = append(out, Context{Name: strings.Join(names, ", "), Set: set})
	}
	return out
}

// inContext returns a copy of src's experiment in context c: each override
// is set on src's scenario with Scenario.Set unless an arm sets the same
// field (the lever the target compares is never overridden), and each arm
// is scaled to users (0: unscaled), its sends in proportion.
func inContext(src Source, c Context, users int) (*sim.Experiment, error) {
	next := *src.Experiment
	next.Arms = slices.Clone(next.Arms)
	if sets, _ := effective(src.Experiment, c); len(sets) > 0 {
		if src.Scenario == nil {
			return nil, fmt.Errorf("context %q: %s was built in code, not read from a scenario file, so it takes no context", c.Name, next.Name)
		}
		sc := *src.Scenario
		if err := sc.Set(sets); err != nil {
			return nil, fmt.Errorf("context %q: %w", c.Name, err)
		}
		next = *sc.Experiment()
	}
	if users > 0 {
		for i := range next.Arms {
			if n := next.Arms[i].Config.Population.Users; n > 0 {
				scaleArm(&next.Arms[i], float64(users)/float64(n))
			}
		}
	}
	return &next, nil
}

// scaleArm shrinks (or grows) an arm's population by factor f, and its
// sends in proportion, so each user sees the campaign as often as at full
// size.
func scaleArm(a *sim.Arm, f float64) {
	a.Config.Population.Users = max(2, int(math.Round(float64(a.Config.Population.Users)*f)))
	a.Config.Campaign = slices.Clone(a.Config.Campaign)
	for j := range a.Config.Campaign {
		a.Config.Campaign[j].SendsPerDay = int(math.Round(float64(a.Config.Campaign[j].SendsPerDay) * f))
	}
}
