package scenarios

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"giftsim/sim"
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
	ens := []map[string]float64{{"forget_hours": 100, "gift_rate": 0.05}, {"forget_hours": 150}}
	if err := WriteProfile(&buf, Profile{Behaviour: b, Ensemble: ens}, "fitted by a test\nsecond line"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "# fitted by a test\n# second line\n") {
		t.Fatalf("profile header:\n%s", buf.String())
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.yaml"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := ReadProfile(filepath.Join(dir, "p.yaml"))
	if err != nil || back.Behaviour != b || !reflect.DeepEqual(back.Ensemble, ens) {
		t.Fatalf("profile did not read back: %v\n%s", err, buf.String())
	}
	// The ensemble applies as factors on the central values, names sorted.
	want := []sim.Member{{{Name: "forget_hours", Times: 100 / 123.5}, {Name: "gift_rate", Times: 0.05 / 0.0425}}, {{Name: "forget_hours", Times: 150 / 123.5}}}
	if got := back.Members(); !reflect.DeepEqual(got, want) {
		t.Fatalf("members %v, want %v", got, want)
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

func TestProfileEnsembleErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unknown parameter", "behaviour: {}\nensemble:\n  - {forget_hour: 3}\n", "forget_hour"},
		{"out of range", "behaviour: {}\nensemble:\n  - {redeem_prob: 2}\n", "redeem_prob"},
		{"not a list", "behaviour: {}\nensemble: 3\n", "want a list"},
		{"zero centre", "behaviour: {refuse_prob: 0}\nensemble:\n  - {refuse_prob: 0.1}\n", "central value is positive"},
	}
	for _, tc := range tests {
		_, err := parseProfile("p.yaml", []byte(tc.src))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "p.yaml:") {
			t.Errorf("%s: error %v, want one naming p.yaml and %q", tc.name, err, tc.want)
		}
	}
}
