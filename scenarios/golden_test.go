package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInvalidGolden checks that each testdata/invalid/*.yaml produces exactly
// the errors in its .golden file (go test -run TestInvalidGolden -update
// rewrites them).
func TestInvalidGolden(t *testing.T) {
	eachTestdata(t, "invalid", func(t *testing.T, f string) {
		_, err := ParseFile(f)
		if err == nil {
			t.Fatal("parsed without error")
		}
		got := err.Error() + "\n"
		golden := strings.TrimSuffix(f, ".yaml") + ".golden"
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("errors differ from %s:\n got:\n%s\nwant:\n%s", golden, got, want)
		}
	})
}

// eachTestdata runs fn as a subtest for each testdata/DIR/*.yaml.
func eachTestdata(t *testing.T, dir string, fn func(t *testing.T, file string)) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.yaml"))
	if len(files) == 0 {
		t.Fatalf("no testdata/%s files", dir)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) { fn(t, f) })
	}
}
