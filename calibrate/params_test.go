package calibrate

import (
	"strings"
	"testing"

	"giftsim/sim"
)

// TestDefaultParamsMatchParameterTable checks that the fit bounds lie within
// each parameter's allowed range, and that the parameter table's sources say
// "fitted to" exactly the targets DefaultParams fits each one to.
func TestDefaultParamsMatchParameterTable(t *testing.T) {
	fit := map[string]bool{}
	for _, p := range DefaultParams() {
		fit[p.Name] = true
		sp, ok := sim.LookupParameter(p.Name)
		if !ok {
			t.Errorf("%s is not in sim.Parameters", p.Name)
			continue
		}
		if !(p.Lo > 0 && p.Lo < p.Hi && p.Lo >= sp.Lo && p.Hi <= sp.Hi) {
			t.Errorf("%s: fit bounds %g to %g outside its range %g to %g (or not positive)", p.Name, p.Lo, p.Hi, sp.Lo, sp.Hi)
		}
		if want := "fitted to " + strings.Join(p.Targets, ", "); sp.Source != want {
			t.Errorf("%s: source %q, want %q", p.Name, sp.Source, want)
		}
	}
	for _, sp := range sim.Parameters() {
		if strings.HasPrefix(sp.Source, "fitted") && !fit[sp.Name] {
			t.Errorf("%s: source %q, but DefaultParams does not fit it", sp.Name, sp.Source)
		}
	}
}
