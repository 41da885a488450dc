package loadgen

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// LiveSnapshot is what the live view shows, taken once a second during a
// phase. RenderLive turns it into lines.
type LiveSnapshot struct {
	Phase     string        // Phase names the running phase.
	Index, Of int           // Index is the phase's place (from 1) of Of phases.
	Elapsed   time.Duration // Elapsed is the time since the phase started.
	PhaseLeft time.Duration // PhaseLeft is the phase's schedule still to run.
	RunLeft   time.Duration // RunLeft adds the later phases' schedules (waits for the platform day not counted).
	Rate      int           // Rate counts the requests sent in the last full second whose answers came.
	Target    float64       // Target is the schedule's rate in that second.
	P50, P99  float64       // P50 and P99 are that second's latencies in seconds (HasLatency: measured).
	// HasLatency says the last second had answers.
	HasLatency bool
	Codes      map[string]int // Codes counts the phase's answers so far by code.
	Merchant   string         // Merchant is the signing merchant.
	QuotaUsed  int            // QuotaUsed counts coupons issued to the run's sends so far (R11).
	Quota      int            // Quota is the merchant's daily quota (0: unknown).
	Abort      []string       // Abort sums up each abort threshold's window.
}

// RenderLive renders a snapshot as the live view's lines: the phase and
// time left, the rate against the schedule, latency, codes, quota and the
// abort thresholds' windows.
func RenderLive(s LiveSnapshot) []string {
	lines := []string{
		fmt.Sprintf("phase %s (%d of %d)  %s elapsed, %s left (run %s left)", s.Phase, s.Index, s.Of,
			s.Elapsed.Truncate(time.Second), s.PhaseLeft.Round(time.Second), s.RunLeft.Round(time.Second)),
		strings.TrimSpace(fmt.Sprintf("rate     %s/s of %s/s scheduled  %s", groupDigits(s.Rate), groupDigits(int(s.Target+0.5)), rateBar(float64(s.Rate), s.Target))),
		fmt.Sprintf("latency  p50 %s  p99 %s  (last second)", ms(s.P50, s.HasLatency), ms(s.P99, s.HasLatency)),
	}
	var cs []string
	for _, k := range sortedCodes(s.Codes) {
		cs = append(cs, k+" "+groupDigits(s.Codes[k]))
	}
	if len(cs) == 0 {
		cs = []string{"none yet"}
	}
	lines = append(lines, "codes    "+strings.Join(cs, "  "))
	q := groupDigits(s.QuotaUsed) + " issued"
	if s.Quota > 0 {
		q = fmt.Sprintf("%s of %s a day (%.0f%%)", groupDigits(s.QuotaUsed), groupDigits(s.Quota), 100*float64(s.QuotaUsed)/float64(s.Quota))
	}
	lines = append(lines, "quota    "+s.Merchant+": "+q)
	for _, a := range s.Abort {
		lines = append(lines, "abort    "+a)
	}
	return lines
}

// RenderLiveLine renders a snapshot as one plain line, for a log that is
// not a terminal.
func RenderLiveLine(s LiveSnapshot) string {
	var cs []string
	for _, k := range sortedCodes(s.Codes) {
		cs = append(cs, fmt.Sprintf("%s %d", k, s.Codes[k]))
	}
	return strings.TrimSpace(fmt.Sprintf("%-10s %5s  %6d/s (target %.0f/s)  p50 %-8s p99 %-8s quota %d  left %s  %s", s.Phase, s.Elapsed.Truncate(time.Second),
		s.Rate, s.Target, ms(s.P50, s.HasLatency), ms(s.P99, s.HasLatency), s.QuotaUsed, s.RunLeft.Round(time.Second), strings.Join(cs, "  ")))
}

// rateBar draws achieved against target in ten cells.
func rateBar(achieved, target float64) string {
	if !(target > 0) {
		return ""
	}
	f := achieved / target
	n := min(max(int(f*10+0.5), 0), 10)
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", 10-n) + fmt.Sprintf("] %.0f%%", 100*f)
}

// groupDigits writes n with a comma every three digits.
func groupDigits(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// ANSI sequences the terminal view uses.
const (
	ansiUp        = "\x1b[%dA" // ansiUp moves the cursor up n lines.
	ansiClearLine = "\r\x1b[2K"
)

// liveView writes snapshots to w: on a terminal (width > 0) it redraws
// its lines in place, otherwise it writes one plain line a snapshot.
type liveView struct {
	w     io.Writer
	width int // width is the terminal's in columns (0: not a terminal).
	lines int // lines is how many lines the last frame drew.
}

// show draws a snapshot.
func (v *liveView) show(s LiveSnapshot) {
	if v.width <= 0 {
		fmt.Fprintln(v.w, RenderLiveLine(s))
		return
	}
	lines := RenderLive(s)
	for i, l := range lines {
		lines[i] = cut(l, v.width-1)
	}
	io.WriteString(v.w, frame(lines, v.lines))
	v.lines = max(len(lines), v.lines) // the lines the frame drew, blanks included
}

// cut shortens s to at most n characters, ending it with … when cut: a
// line the terminal wrapped would throw the cursor movement off.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n || n < 1 {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// frame returns the text that replaces a frame of prev lines with lines:
// up to the first old line, then each line cleared and written; old lines
// beyond the new ones are cleared.
func frame(lines []string, prev int) string {
	var b strings.Builder
	if prev > 0 {
		fmt.Fprintf(&b, ansiUp, prev)
	}
	for _, l := range lines {
		b.WriteString(ansiClearLine + l + "\n")
	}
	for i := len(lines); i < prev; i++ {
		b.WriteString(ansiClearLine + "\n")
	}
	return b.String()
}

// done ends the view: the last frame stays on the screen.
func (v *liveView) done() { v.lines = 0 }

// snapshot takes the live view's snapshot of a phase.
func (d *Driver) snapshot(w *watch, pr *phaseRun, ps *PhaseSummary, col *collector) LiveSnapshot {
	st := ps.stats
	now := d.now()
	el := now.Sub(ps.Started)
	s := LiveSnapshot{Phase: pr.ph.Name, Index: w.phase + 1, Of: len(d.plan.Phases), Elapsed: el,
		PhaseLeft: max(pr.sched.Length()-el, 0), Codes: st.codes(), Merchant: d.cred.mchID, Quota: d.cred.quota,
		QuotaUsed: col.total.count(groupOps("sends"), "issued")}
	s.RunLeft = s.PhaseLeft
	for i := w.phase + 1; i < len(d.plan.Phases); i++ {
		if sc, err := d.plan.Phases[i].Schedule(d.plan.Day, d.shard, d.shards); err == nil {
			s.RunLeft += sc.Length()
		}
	}
	if i := int(el/time.Second) - 1; i >= 0 && i < len(st.seconds) {
		x := st.seconds[i]
		lat := slices.Sorted(slices.Values(x.lat))
		s.Rate = x.count
		s.Target = pr.sched.Hits(time.Duration(i+1)*time.Second) - pr.sched.Hits(time.Duration(i)*time.Second)
		s.P50, s.HasLatency = quantile(lat, 0.5)
		s.P99, _ = quantile(lat, 0.99)
	}
	if w.ab != nil {
		s.Abort = w.ab.status(now)
	}
	return s
}
