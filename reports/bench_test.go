package reports

import (
	"context"
	"testing"
)

// BenchmarkWriteSimulation10x90 writes the whole report (page, every chart as
// SVG and PNG, CSV) of a 10-arm sweep over 90 days with eight KPIs:
//
//	go test ./reports -run '^$' -bench WriteSimulation10x90 -benchtime 5x
func BenchmarkWriteSimulation10x90(b *testing.B) {
	sim := simFixture(10, 90, true)
	dir := b.TempDir()
	for b.Loop() {
		if err := WriteSimulation(context.Background(), dir, sim); err != nil {
			b.Fatal(err)
		}
	}
}
