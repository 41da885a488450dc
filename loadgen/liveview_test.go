package loadgen

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// liveSnapshots are the snapshots the golden file shows: a run keeping
// its schedule, one falling behind with errors and an abort threshold
// watching, and the first second of a phase (nothing measured yet).
func liveSnapshots() []LiveSnapshot {
	return []LiveSnapshot{
		{Phase: "bulk", Index: 1, Of: 1, Elapsed: 4*time.Second + 300*time.Millisecond, PhaseLeft: 5700 * time.Millisecond,
			RunLeft: 5700 * time.Millisecond, Rate: 5598, Target: 5612.4, P50: 0.00074, P99: 0.0275, HasLatency: true,
			Codes: map[string]int{"accepted": 22390}, Merchant: "1900000003", QuotaUsed: 22390, Quota: 50000},
		{Phase: "peak", Index: 2, Of: 3, Elapsed: 12 * time.Second, PhaseLeft: 48 * time.Second, RunLeft: 108 * time.Second,
			Rate: 2100, Target: 5000, P50: 0.012, P99: 1.9, HasLatency: true,
			Codes:    map[string]int{"accepted": 30120, "HTTP_502": 41, "SYSTEM_ERROR": 380, "TIMEOUT": 12},
			Merchant: "1900000001", QuotaUsed: 30120,
			Abort: []string{"codes.5xx / requests <= 1% over 10s: 0.0135 (watching)"}},
		{Phase: "warmup", Index: 1, Of: 2, Elapsed: 900 * time.Millisecond, PhaseLeft: 29 * time.Second, RunLeft: 89 * time.Second,
			Merchant: "1900000002"},
	}
}

// TestLiveViewGolden renders the snapshots as frames of an 80-column
// terminal (each redrawing the last in place, long lines cut) and as plain
// lines, against
// testdata/liveview.golden (go test -run LiveView -update rewrites it).
func TestLiveViewGolden(t *testing.T) {
	var term, plain bytes.Buffer
	tv := &liveView{w: &term, width: 80}
	pv := &liveView{w: &plain}
	for _, s := range liveSnapshots() {
		tv.show(s)
		pv.show(s)
	}
	shown := strings.NewReplacer("\x1b", `\x1b`, "\r", `\r`).Replace(term.String())
	got := "# terminal (escape and carriage return shown as \\x1b and \\r)\n" + shown + "# not a terminal\n" + plain.String()
	path := filepath.Join("testdata", "liveview.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run LiveView -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("live view differs from %s (go test -run LiveView -update rewrites it):\n%s", path, got)
	}
}

// TestFrame checks a frame moves up over the last one, clears each line
// it writes, and blanks old lines a shorter frame does not reach.
func TestFrame(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		prev  int
		want  string
	}{
		{[]string{"a", "b"}, 0, "\r\x1b[2Ka\n\r\x1b[2Kb\n"},
		{[]string{"a", "b"}, 2, "\x1b[2A\r\x1b[2Ka\n\r\x1b[2Kb\n"},
		{[]string{"a"}, 3, "\x1b[3A\r\x1b[2Ka\n\r\x1b[2K\n\r\x1b[2K\n"},
	} {
		if got := frame(tc.lines, tc.prev); got != tc.want {
			t.Errorf("frame(%q, %d) = %q, want %q", tc.lines, tc.prev, got, tc.want)
		}
	}
}

// TestGroupDigits checks thousands separators.
func TestGroupDigits(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 55000: "55,000", 1234567: "1,234,567", -5000: "-5,000"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
