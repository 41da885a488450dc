package results_test

import (
	"fmt"
	"log"
	"time"

	"giftsim/results"
)

func ExampleMergeLoad() {
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	host := func(name string, offset time.Duration, ms float64) *results.Load {
		return &results.Load{
			Schema: results.LoadSchemaVersion, Plan: "burst", Hosts: []string{name},
			Started: start.Add(offset), Duration: 2,
			Seconds: []results.LoadSecond{{T: 0, Count: 100, P50: ms}, {T: 1, Count: 100, P50: ms}},
			Latency: []results.LoadPercentile{{Quantile: 0, Ms: ms}, {Quantile: 1, Ms: ms + 10}},
			Codes:   map[string]int{results.CodeAccepted: 200},
		}
	}
	merged, err := results.MergeLoad(host("a", 0, 10), host("b", time.Second, 30))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(merged.Hosts, merged.Requests(), "responses over", merged.Duration, "s")
	for _, s := range merged.Seconds {
		fmt.Printf("t=%d count=%d p50=%.0fms\n", s.T, s.Count, s.P50)
	}
	for _, p := range merged.Latency {
		fmt.Printf("q=%.0f%% %.0fms\n", 100*p.Quantile, p.Ms)
	}
	// Output:
	// [a b] 400 responses over 3 s
	// t=0 count=100 p50=10ms
	// t=1 count=200 p50=20ms
	// t=2 count=100 p50=30ms
	// q=0% 10ms
	// q=100% 40ms
}

func ExampleFormatCount() {
	fmt.Println(results.FormatCount(50000000), results.FormatCount(-1234), results.FormatCount(999))
	// Output: 50,000,000 -1,234 999
}
