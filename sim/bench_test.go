package sim

import (
	"context"
	"testing"
	"time"

	"giftsim/platform"
)

// scaleConfig is the scale-1m scenario: 1,000,000 users on a Barabási–Albert
// graph (m = 5), a filed merchant sending 40,000 API coupons a day for 30
// days (1,200,000 sends).
func scaleConfig() Config {
	cfg := DefaultConfig()
	cfg.Population.Users = 1_000_000
	cfg.Merchant = Merchant{Industry: platform.IndustryRetail, Tier: platform.TierFiled}
	cfg.Coupon.Validity = 14 * platform.Day
	cfg.Campaign = []Push{{Channel: platform.ChannelAPI, SendsPerDay: 40000, PushAt: 10 * time.Hour, Target: "all"}}
	return cfg
}

// BenchmarkScale1M runs one replication of the scale-1m scenario (graph and
// population included) and reports events per second and coupons sent.
func BenchmarkScale1M(b *testing.B) {
	exp := &Experiment{Name: "scale-1m", Seed: 1, Replications: 1, Arms: []Arm{{Name: "base", Config: scaleConfig()}}}
	var st RunStats
	b.ResetTimer()
	for range b.N {
		if _, err := RunExperiment(context.Background(), exp, RunOptions{Workers: 1, Stats: &st}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(st.Events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(st.Coupons), "coupons")
}
