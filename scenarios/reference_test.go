package scenarios

import (
	"path/filepath"
	"testing"

	"giftsim/internal/docsync"
)

// TestReference checks that the field reference in docs/SCENARIOS.md is the
// one the table generates (-update rewrites it).
func TestReference(t *testing.T) {
	path := filepath.Join("..", "docs", "SCENARIOS.md")
	if err := docsync.Check(path, referenceBegin, referenceEnd, reference(), *update); err != nil {
		t.Errorf("%v; run go test ./scenarios -run TestReference -update", err)
	}
}
