package scenarios_test

import (
	"errors"
	"fmt"

	"giftsim/platform"
	"giftsim/scenarios"
)

func ExampleLoad() {
	exp, err := scenarios.Load("ab.yaml", []byte(`
name: ab
coupon: {validity: 30d}
campaign:
  - {channel: official-account, sends_per_day: 500}
arms:
  - {name: 7-day, coupon: {validity: 7d}}
  - {name: 30-day}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, a := range exp.Arms {
		fmt.Println(a.Name, platform.FormatDuration(a.Config.Coupon.Validity), a.Settings)
	}
	// Output:
	// 7-day 7d [[coupon.validity 7d]]
	// 30-day 30d []
}

func ExampleLoad_sweep() {
	exp, _ := scenarios.Load("sweep.yaml", []byte("sweep: {coupon.validity: [1d, 7d, 30d]}\n"))
	for _, a := range exp.Arms {
		fmt.Println(a.Name)
	}
	// Output:
	// validity=1d
	// validity=7d
	// validity=30d
}

func ExampleErrors() {
	_, err := scenarios.Load("validity.yaml", []byte(`name: validity
campaign:
  - {channel: mini-program, sends_per_day: 500}
coupon:
  validity: 30d
  kind: voucher
`))
	fmt.Println(err)
	var e *scenarios.Error
	if errors.As(err, &e) {
		fmt.Println(e.Line, e.Col, e.Path)
	}
	fmt.Println(errors.Is(err, platform.ErrValidityRange))
	// Output:
	// validity.yaml:5:13: coupon.validity: C3: mini-program allows validity 7d to 15d, got 30d
	// validity.yaml:6:9: coupon.kind: want one of cash-red-packet, discount, points-exchange, combo; got "voucher"
	// 5 13 coupon.validity
	// true
}

func ExampleScenario_Set() {
	s, _ := scenarios.ParseExample("validity-7-vs-30")
	err := s.Set([]string{"population.users=2000", "replications=2"})
	exp := s.Experiment()
	fmt.Println(err, exp.Replications, exp.Arms[0].Config.Population.Users)
	err = s.Set([]string{"campaign[0].channel=mini-program"})
	fmt.Println(err)
	// Output:
	// <nil> 2 2000
	// --set campaign[0].channel=mini-program: coupon.validity: C3: mini-program allows validity 7d to 15d, got 30d (arm 30-day)
}

func ExampleScenario_Marshal() {
	s, _ := scenarios.Parse("m.yaml", []byte(`name: m
coupon: {validity: 168h, face_value: "25.00 CNY"}
campaign: [{channel: official-account, sends_per_day: 500, push_at: "9:30"}]
`))
	out, _ := s.Marshal()
	fmt.Print(string(out))
	// Output:
	// name: m
	// coupon:
	//   face_value: 25
	//   validity: 7d
	// campaign:
	//   - {channel: official-account, sends_per_day: 500, push_at: '09:30'}
}

func ExampleExamples() {
	for _, e := range scenarios.Examples()[:2] {
		fmt.Println(e.Name)
	}
	// Output:
	// channel-mix
	// face-value-sweep
}
