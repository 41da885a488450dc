package loadgen_test

import (
	"fmt"
	"time"

	"giftsim/loadgen"
)

// ExampleRenderLive renders one second of a run as the live view shows it.
func ExampleRenderLive() {
	s := loadgen.LiveSnapshot{Phase: "bulk", Index: 1, Of: 1, Elapsed: 4 * time.Second, PhaseLeft: 6 * time.Second, RunLeft: 6 * time.Second,
		Rate: 5598, Target: 5612, P50: 0.00074, P99: 0.0275, HasLatency: true,
		Codes: map[string]int{"accepted": 22390, "SYSTEM_ERROR": 3}, Merchant: "1900000003", QuotaUsed: 22390, Quota: 50000,
		Abort: []string{"codes.5xx / requests <= 1% over 30s: 0.0001 (watching)"}}
	for _, line := range loadgen.RenderLive(s) {
		fmt.Println(line)
	}
	// Output:
	// phase bulk (1 of 1)  4s elapsed, 6s left (run 6s left)
	// rate     5,598/s of 5,612/s scheduled  [##########] 100%
	// latency  p50 740µs  p99 27.5ms  (last second)
	// codes    accepted 22,390  SYSTEM_ERROR 3
	// quota    1900000003: 22,390 of 50,000 a day (45%)
	// abort    codes.5xx / requests <= 1% over 30s: 0.0001 (watching)
}
