package engine_test

import (
	"fmt"

	"giftsim/sim/engine"
)

// A queue with a 48-hour lane: the claim-window timer rides the lane, an
// arbitrary delay goes through the heap, and events pop in time order.
func ExampleQueue() {
	const (
		kindOffer = iota
		kindReturn
		kindRedeem
	)
	q := engine.New(48 * 3600) // lane 0: the 48-hour claim window (R9)
	q.At(0, kindOffer, 7, 0)
	for {
		e, ok := q.Next(engine.MaxTime)
		if !ok {
			break
		}
		fmt.Printf("t=%dh kind=%d coupon=%d\n", e.At()/3600, e.Kind(), e.ID())
		if e.Kind() == kindOffer {
			q.After(0, kindReturn, e.ID(), e.Gen())
			q.At(e.At()+5*3600, kindRedeem, e.ID(), e.Gen())
		}
	}
	// Output:
	// t=0h kind=0 coupon=7
	// t=5h kind=2 coupon=7
	// t=48h kind=1 coupon=7
}
