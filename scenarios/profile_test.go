package scenarios

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShippedProfileParses(t *testing.T) {
	b, err := LoadProfile("")
	if err != nil {
		t.Fatal(err)
	}
	exp, err := Load("five.yaml", []byte("name: five\n"))
	if err != nil {
		t.Fatal(err)
	}
	if exp.Arms[0].Config.Behaviour != b {
		t.Fatal("a scenario does not start from the shipped profile")
	}
}

func TestProfileRoundTripAndOverride(t *testing.T) {
	b, _ := LoadProfile("")
	b.ForgetHours, b.GiftRate = 123.5, 0.0425
	var buf bytes.Buffer
	if err := WriteProfile(&buf, b, "fitted by a test\nsecond line"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "# fitted by a test\n# second line\n") {
		t.Fatalf("profile header:\n%s", buf.String())
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := LoadProfile(filepath.Join(dir, "p.yaml"))
	if err != nil || back != b {
		t.Fatalf("profile did not read back: %v", err)
	}
	scen := filepath.Join(dir, "s.yaml")
	src := "name: s\nbehaviour: {gift_rate: 0.5}\nprofile: p.yaml\n"
	if err := os.WriteFile(scen, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ParseFile(scen)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Experiment().Arms[0].Config.Behaviour
	if got.ForgetHours != 123.5 || got.GiftRate != 0.5 {
		t.Fatalf("forget_hours %g (profile 123.5), gift_rate %g (override 0.5)", got.ForgetHours, got.GiftRate)
	}
	out, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(scen, out, 0o644); err != nil {
		t.Fatal(err)
	}
	s2, err := ParseFile(scen)
	if err != nil || s2.Experiment().Arms[0].Config.Behaviour != got {
		t.Fatalf("marshal round trip changed the behaviour: %v\n%s", err, out)
	}
	if _, err := Load("bad.yaml", []byte("profile: missing.yaml\n")); err == nil || !strings.Contains(err.Error(), "bad.yaml:1:10: profile: cannot use profile") {
		t.Fatalf("missing profile error = %v", err)
	}
}
