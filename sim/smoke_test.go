package sim

import (
	"context"
	"encoding/json"
	"testing"
)

func TestSmoke(t *testing.T) {
	cfg := DefaultConfig()
	exp := &Experiment{Name: "smoke", Seed: 1, Replications: 4, Arms: []Arm{{Name: "base", Config: cfg}}}
	var st RunStats
	res, err := RunExperiment(context.Background(), exp, RunOptions{Stats: &st})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(res.Arms[0].KPIs, "", " ")
	t.Logf("%s\nstats %+v funnel %+v depth %v", b, st, res.Arms[0].Funnel, res.Arms[0].CascadeDepth)
}
