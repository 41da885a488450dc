package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReference checks that the field reference in docs/SCENARIOS.md is the
// one the table generates (-update rewrites it).
func TestReference(t *testing.T) {
	path := filepath.Join("..", "docs", "SCENARIOS.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i, j := strings.Index(doc, referenceBegin), strings.Index(doc, referenceEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the markers %q and %q", path, referenceBegin, referenceEnd)
	}
	want := doc[:i+len(referenceBegin)] + "\n" + reference() + "\n" + doc[j:]
	if want == doc {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date with the field table; run go test ./scenarios -run TestReference -update", path)
}
