package scenarios

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// FuzzParse feeds the parser and validator arbitrary files, seeded from
// testdata/ and the examples: it must not panic or hang, and a valid file
// must survive parse → marshal → parse unchanged.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/valid/*.yaml", "testdata/invalid/*.yaml", "examples/*.yaml"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		s, err := Parse("fuzz.yaml", data)
		if d := time.Since(start); d > 5*slowdown*time.Second {
			t.Fatalf("Parse took %v", d)
		}
		if err != nil {
			return
		}
		roundTrip(t, s)
	})
}

// roundTrip checks that s marshals to YAML that parses to the same
// experiment and marshals to the same bytes.
func roundTrip(t *testing.T, s *Scenario) {
	t.Helper()
	out, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := Parse(s.file, out)
	if err != nil {
		t.Fatalf("marshalled scenario does not parse:\n%s\n%v", out, err)
	}
	if a, b := s.Experiment(), s2.Experiment(); !reflect.DeepEqual(a, b) {
		t.Fatalf("round trip changed the experiment:\n%s\nbefore %+v\nafter  %+v", out, a, b)
	}
	if out2, _ := s2.Marshal(); !bytes.Equal(out, out2) {
		t.Fatalf("marshal is not a fixed point:\n%s\n---\n%s", out, out2)
	}
}

func TestRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/valid/*.yaml")
	examples, _ := filepath.Glob("examples/*.yaml")
	for _, file := range append(files, examples...) {
		t.Run(file, func(t *testing.T) {
			s, err := ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, s)
		})
	}
}
