package cluster

import (
	"testing"

	"giftsim/sim"
)

// FuzzWire feeds hostile bytes to everything that decodes what another
// process wrote into Redis: a task's payload, a result, an outcome, an
// experiment and a running mark. None may panic.
func FuzzWire(f *testing.F) {
	p, err := encode(payload{Version: wireVersion, Run: "0123456789abcdef", Index: 3, Job: sim.Job{Arm: 1, Rep: 2}})
	if err != nil {
		f.Fatal(err)
	}
	r, err := encode(result{Index: 3, Worker: "w", Outcome: []byte{1, 2}, Err: ""})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p)
	f.Add(r)
	f.Add([]byte("3/host-1-abc"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var pl payload
		_ = decode(data, &pl)
		var rs result
		_ = decode(data, &rs)
		var o sim.Outcome
		_ = o.UnmarshalBinary(data)
		_, _ = decodeExperiment(data)
		parseRunning(string(data))
	})
}
