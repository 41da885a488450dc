package scenarios

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const studyBase = `horizon: 40d
coupon: {validity: 7d, face_value: 10, min_spend: 60}
campaign:
  - {channel: official-account, sends_per_day: 300, push_at: "10:00", days: 2}
`

func TestStudyParses(t *testing.T) {
	src := studyBase + `levers:
  coupon.validity: 3d..30d
  coupon.face_value: 5..30
  campaign[0].push_at: "10:00..20:00"
  campaign[0].channel: [official-account, payment-popup]
objective:
  maximize: redeemed - 0.5*cost - 2*coupon.validity
  indifference: 5
  second: {minimize: inquiries}
constraints:
  - cost <= 20000
  - new_customers >= 10
  - inquiries ≤ 50
`
	s, err := Parse("s.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	st := s.Study()
	if len(st.Levers) != 4 || st.Levers[0].Spec() != "coupon.validity=3d..30d" || st.Levers[3].Spec() != "campaign[0].channel=[official-account, payment-popup]" {
		t.Errorf("levers %+v", st.Levers)
	}
	if st.Levers[0].Line != 6 || st.Levers[0].Col != 20 {
		t.Errorf("lever position %d:%d, want 6:20", st.Levers[0].Line, st.Levers[0].Col)
	}
	if len(st.Objectives) != 2 || st.Objectives[0].String() != "maximize: redeemed - 0.5*cost - 2*coupon.validity" ||
		st.Objectives[0].Indifference != 5 || st.Objectives[1].String() != "minimize: inquiries" {
		t.Errorf("objectives %v", st.Objectives)
	}
	if !st.Objectives[0].Expr.Terms[2].Lever || !reflect.DeepEqual(st.Objectives[0].Expr.KPIs(), []string{"redeemed", "cost"}) {
		t.Errorf("terms %+v", st.Objectives[0].Expr.Terms)
	}
	var cons []string
	for _, c := range st.Constraints {
		cons = append(cons, c.String())
	}
	if strings.Join(cons, "; ") != "cost <= 20000; new_customers >= 10; inquiries <= 50" {
		t.Errorf("constraints %v", cons)
	}
	if !st.Constraints[1].Holds(10) || st.Constraints[1].Holds(9.9) || !st.Constraints[0].Holds(20000) || st.Constraints[0].Holds(20001) {
		t.Error("Holds is wrong")
	}
	roundTrip(t, s)
	out, _ := s.Marshal()
	s2, err := Parse("s.yaml", out)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := strip(s.Study()), strip(s2.Study()); !reflect.DeepEqual(a, b) {
		t.Errorf("the study changed in a round trip:\n%s\n%+v\n%+v", out, a, b)
	}
}

// strip drops positions, which a round trip moves.
func strip(st Study) Study {
	for i := range st.Levers {
		st.Levers[i].Line, st.Levers[i].Col = 0, 0
	}
	for i := range st.Objectives {
		st.Objectives[i].Line, st.Objectives[i].Col = 0, 0
	}
	for i := range st.Constraints {
		st.Constraints[i].Line, st.Constraints[i].Col = 0, 0
	}
	return st
}

func TestStudyErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		at, want   string
	}{
		{"unknown lever", "levers: {coupon.valdity: 3d..30d}\n", "s.yaml:5:10: levers.coupon.valdity", "did you mean coupon.validity"},
		{"no range", "levers: {coupon.validity: 30d}\n", "5:27", "want a range low..high"},
		{"equal ends", "levers: {coupon.validity: 3d..3d}\n", "5:27", "two different values"},
		{"three ends", "levers: {coupon.validity: 3d..7d..9d}\n", "5:27", "two ends"},
		{"bad end", "levers: {coupon.validity: 3d..forever}\n", "5:27", "coupon.validity"},
		{"rule at an end", "levers: {coupon.min_spend: 10..90}\n", "5:28", "R2"},
		{"one level", "levers:\n  campaign[0].channel: [api]\n", "6:24", "2 to 20 levels"},
		{"level twice", "levers:\n  campaign[0].channel: [geo, geo]\n", "6:30", "listed twice"},
		{"no campaign entry", "levers:\n  campaign[3].push_at: 10:00..20:00\n", "6:3", "no campaign[3]"},
		{"overlap", "levers:\n  campaign[0].push_at: 10:00..20:00\n  campaign[0]: [x, y]\n", "7:3", "overlaps"},
		{"mapping", "levers: [coupon.validity]\n", "5:9", "want a mapping"},
		{"arm sets it", "levers: {coupon.validity: 3d..30d}\narms:\n  - name: a\n  - {name: b, coupon: {validity: 30d}}\n", "5:10", `arm "b" sets coupon.validity`},
		{"sweep sets it", "levers: {coupon.validity: 3d..30d}\nsweep: {coupon: [{validity: 3d}, {validity: 9d}]}\n", "5:10", "the sweep sets"},
		{"no sense", "objective: {indifference: 3}\n", "5:12", "maximize: or minimize:"},
		{"both senses", "objective: {maximize: cost, minimize: cost}\n", "5:29", "not both"},
		{"unknown KPI", "objective: {maximize: proft}\n", "5:23", "unknown KPI proft"},
		{"constant", "objective: {maximize: redeemed + 5}\n", "5:23", "a number must multiply"},
		{"dangling", "objective: {maximize: redeemed -}\n", "5:23", "ends with an operator"},
		{"twice", "objective: {maximize: cost - cost}\n", "5:23", "appears twice"},
		{"lever not declared", "objective: {maximize: redeemed - coupon.validity}\n", "5:23", "not a range lever"},
		{"bad indifference", "objective: {maximize: cost, indifference: -1}\n", "5:43", "objective.indifference"},
		{"second second", "objective: {maximize: cost, second: {maximize: redeemed, second: {maximize: cost}}}\n", "5:58", "unknown field"},
		{"constraint op", "constraints: [cost = 3]\n", "5:15", "EXPR <= NUMBER"},
		{"constraint bound", "constraints: [cost <= lots]\n", "5:15", "not a number"},
		{"constraint not text", "constraints: [{cost: 3}]\n", "5:15", "want a bound"},
		{"constraints mapping", "constraints: {cost: 3}\n", "5:14", "want a list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(studyBase+tc.yaml))
			if err == nil {
				t.Fatal("parsed")
			}
			if !strings.Contains(err.Error(), tc.at) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant %q at %q", err, tc.want, tc.at)
			}
		})
	}
}

func TestParseExpr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"incremental_profit", "incremental_profit"},
		{" -cost ", "-cost"},
		{"+redeemed-0.5 * cost", "redeemed - 0.5*cost"},
		{"2e1*redeemed + 1.5*new_customers - coupon.validity", "20*redeemed + 1.5*new_customers - coupon.validity"},
	}
	for _, tc := range tests {
		e, err := ParseExpr(tc.in, []string{"coupon.validity"})
		if err != nil || e.String() != tc.want {
			t.Errorf("ParseExpr(%q) = %q, %v; want %q", tc.in, e.String(), err, tc.want)
		}
	}
	for _, bad := range []string{"", "*", "cost cost", "cost +", "3", "cost * 2", "cost + + redeemed", "(cost)", strings.Repeat("cost+", 50) + "cost"} {
		if _, err := ParseExpr(bad, nil); err == nil {
			t.Errorf("ParseExpr(%q) accepted", bad)
		}
	}
}

// FuzzStudy feeds the study sections arbitrary text: no panic, and a
// study that parses survives marshal → parse unchanged.
func FuzzStudy(f *testing.F) {
	f.Add("levers: {coupon.validity: 3d..30d}\nobjective: {maximize: redeemed - 2*coupon.validity}\nconstraints: [cost <= 100]\n")
	f.Add("levers: {campaign[0].channel: [official-account, payment-popup], campaign[0].push_at: \"10:00..20:00\"}\nobjective: {minimize: cost, second: {maximize: new_customers}}\n")
	f.Add("objective: {maximize: 1e400*cost}\n")
	f.Add("constraints: [\"cost <= 1e309\", \"redeemed >= -3\"]\n")
	f.Fuzz(func(t *testing.T, tail string) {
		s, err := Parse("f.yaml", []byte(studyBase+tail))
		if err != nil {
			return
		}
		out, err := s.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		s2, err := Parse("f.yaml", out)
		if err != nil {
			t.Fatalf("marshalled study does not parse:\n%s\n%v", out, err)
		}
		if a, b := strip(s.Study()), strip(s2.Study()); !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed the study:\n%s\n%+v\n%+v", out, a, b)
		}
	})
}

func ExampleParseExpr() {
	e, err := ParseExpr("redeemed - 4*coupon.validity", []string{"coupon.validity"})
	if err != nil {
		panic(err)
	}
	fmt.Println(e, e.KPIs(), e.Terms[1].Lever)
	// Output: redeemed - 4*coupon.validity [redeemed] true
}

func ExampleParseConstraint() {
	c, err := ParseConstraint("cost ≤ 5000", nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(c, c.Holds(4999), c.Holds(5001))
	// Output: cost <= 5000 true false
}
