package sensitivity

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"giftsim/platform"
)

func TestParseLever(t *testing.T) {
	cases := []struct {
		spec     string
		kind     Kind
		low, mid string // mid is the value at x = 1/3
		high     string
		err      string
	}{
		{spec: "coupon.validity=3d..30d", kind: KindDuration, low: "3d", mid: "12d", high: "30d"},
		{spec: "coupon.validity=12h..36h", kind: KindDuration, low: "12h", mid: "20h", high: "36h"},
		{spec: "coupon.reminder=30m..2h", kind: KindDuration, low: "30m", mid: "1h", high: "2h"},
		{spec: "coupon.face_value=10..40", kind: KindInteger, low: "10", mid: "20", high: "40"},
		{spec: "population.graph.m=2..3", kind: KindInteger, low: "2", mid: "2", high: "3"},
		{spec: "coupon.face_value=9.5..12", kind: KindNumber, low: "9.5", mid: "10.3333", high: "12"},
		{spec: `campaign[0].push_at="10:00"..'20:00'`, kind: KindTime, low: `"10:00"`, mid: `"13:20"`, high: `"20:00"`},
		{spec: "campaign[0].push_at=9:30..12:00", kind: KindTime, low: `"09:30"`, mid: `"10:20"`, high: `"12:00"`},
		{spec: " merchant.tier = certified .. filed ", kind: KindCategory, low: "certified", mid: "certified", high: "filed"},
		{spec: "coupon.validity=3d..20", kind: KindCategory, low: "3d", mid: "3d", high: "20"},
		{spec: "coupon.validity", err: "want path=low..high"},
		{spec: "=3d..30d", err: "want path=low..high"},
		{spec: "coupon.validity=3d", err: "has no range"},
		{spec: "coupon.validity=3d..", err: "lacks an end"},
		{spec: "coupon.validity=3d..7d..30d", err: "more than two ends"},
		{spec: "coupon.validity=7d..7d", err: "two different values"},
	}
	for _, c := range cases {
		l, err := ParseLever(c.spec)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want one with %q", c.spec, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.spec, err)
			continue
		}
		if l.Kind != c.kind {
			t.Errorf("%q: kind %s, want %s", c.spec, l.Kind, c.kind)
		}
		if got := []string{l.Value(0), l.Value(1.0 / 3), l.Value(1)}; got[0] != c.low || got[1] != c.mid || got[2] != c.high {
			t.Errorf("%q: values %q, want [%s %s %s]", c.spec, got, c.low, c.mid, c.high)
		}
	}
}

func TestParseLeversJoinsErrors(t *testing.T) {
	_, err := ParseLevers([]string{"a=1..2", "b", "c=1"})
	if err == nil || !strings.Contains(err.Error(), "lever \"b\"") || !strings.Contains(err.Error(), "lever c") {
		t.Errorf("error %v, want both bad levers named", err)
	}
}

// FuzzParseLever checks that any spec either fails or gives a lever whose
// values read back as its kind and lie between its ends.
func FuzzParseLever(f *testing.F) {
	for _, s := range []string{"coupon.validity=3d..30d", "a=1..2", "p=10:00..20:00", "t=new..filed", "x=0.1..1e3", "d=1d12h..3d", "=..", "a=..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		l, err := ParseLever(spec)
		if err != nil {
			return
		}
		if l.Path == "" || l.Low == l.High || l.Low == "" || l.High == "" {
			t.Fatalf("%q: lever %+v", spec, l)
		}
		for _, x := range []float64{0, 0.25, 0.5, 0.75, 1} {
			v := l.Value(x)
			var n float64
			switch l.Kind {
			case KindCategory:
				if v != l.Low && v != l.High {
					t.Fatalf("%q at %g: %q is neither end", spec, x, v)
				}
				continue
			case KindNumber, KindInteger:
				n, err = strconv.ParseFloat(v, 64)
			case KindDuration:
				var d time.Duration
				d, err = platform.ParseDuration(v)
				n = d.Seconds()
			case KindTime:
				var ok bool
				n, ok = minutes(strings.Trim(v, `"`))
				if !ok {
					err = fmt.Errorf("not a time of day")
				}
			}
			if err != nil {
				t.Fatalf("%q at %g: value %q does not read back: %v", spec, x, v, err)
			}
			lo, hi := min(l.lo, l.hi), max(l.lo, l.hi)
			slack := 1e-6*max(math.Abs(lo), math.Abs(hi)) + 0.5
			if l.Kind == KindDuration {
				slack = l.unit.Seconds()
			}
			if n < lo-slack || n > hi+slack {
				t.Fatalf("%q at %g: value %q (%g) outside [%g, %g]", spec, x, v, n, lo, hi)
			}
		}
	})
}
