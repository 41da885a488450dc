package sim

import (
	"bytes"
	"math"
	"reflect"
	"testing"
)

func TestOutcomeRoundTripsBitForBit(t *testing.T) {
	o := &outcome{events: 12345, depth: []float64{1, 0.1, math.Inf(1)}, series: [][numSeries]float64{{}, {}}}
	o.kpi[0] = math.NaN()
	o.kpi[1] = math.Float64frombits(0x7ff8000000000123) // a NaN with a payload
	o.kpi[2] = math.Copysign(0, -1)
	o.kpi[3] = 0.1 + 0.2
	o.kpi[4] = math.SmallestNonzeroFloat64
	o.series[1][0] = math.Inf(-1)
	o.heat[6][23] = 1e308
	o.funnel[3] = 2.5
	o.censored[0] = true
	b, err := (&Outcome{o}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got Outcome
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	bits := func(xs []float64) []uint64 {
		var u []uint64
		for _, x := range xs {
			u = append(u, math.Float64bits(x))
		}
		return u
	}
	if !reflect.DeepEqual(bits(o.kpi[:]), bits(got.o.kpi[:])) {
		t.Errorf("KPIs differ in their bits after the round trip")
	}
	if !reflect.DeepEqual(bits(o.depth), bits(got.o.depth)) || math.Float64bits(got.o.series[1][0]) != math.Float64bits(math.Inf(-1)) {
		t.Errorf("depth or series differ after the round trip")
	}
	if got.o.events != o.events || got.o.heat != o.heat || got.o.funnel != o.funnel || got.o.censored != o.censored {
		t.Errorf("outcome differs after the round trip: %+v", got.o)
	}
	again, err := got.MarshalBinary()
	if err != nil || !bytes.Equal(b, again) {
		t.Errorf("encoding is not stable (%v)", err)
	}
	if err := got.UnmarshalBinary([]byte("junk")); err == nil {
		t.Error("junk decoded without an error")
	}
}
