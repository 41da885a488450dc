package loadgen

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkMetricsObserve is the driver's cost of counting one answer in
// its live metrics.
func BenchmarkMetricsObserve(b *testing.B) {
	m := NewMetrics()
	m.setMerchant("1900000001", 50000)
	codes := []string{CodeAccepted, CodeAccepted, CodeAccepted, "FREQUENCY_LIMITED"}
	i := 0
	for b.Loop() {
		m.observe(OpSendV3, 200, codes[i%len(codes)], time.Millisecond, true)
		i++
	}
}

// TestMetricsCodeCap checks the code label stays bounded whatever codes a
// target answers: at most maxCodeLabels codes, the rest and malformed
// ones as OTHER, every answer counted.
func TestMetricsCodeCap(t *testing.T) {
	m := NewMetrics()
	for i := range 500 {
		code := fmt.Sprintf("CODE_%d", i%200)
		if i%7 == 0 {
			code = fmt.Sprintf("bad code <%d>", i)
		}
		m.observe(OpSendV3, 400, code, time.Millisecond, false)
	}
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]bool{}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != MetricResponses {
			continue
		}
		for _, s := range mf.GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "code" {
					labels[l.GetValue()] = true
				}
			}
			total += s.GetCounter().GetValue()
		}
	}
	if total != 500 || len(labels) > maxCodeLabels+1 || !labels[otherCode] || labels["bad code <0>"] {
		t.Errorf("%v answers counted under %d code labels (OTHER %v)", total, len(labels), labels[otherCode])
	}
}
