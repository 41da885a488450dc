package calibrate

// This file holds a merchant's own data (docs/DATA.md): the export format,
// its strict parser, the levels it shows, and the fit of the behavioural
// model's level parameters to them.

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"giftsim/internal/strictyaml"
	"giftsim/platform"
	"giftsim/scenarios"
	"giftsim/sim"
)

// MaxDataSize is the largest data file ReadData reads, in bytes.
const MaxDataSize = 64 << 20

// maxCount bounds every count of the aggregate format.
const maxCount = 1_000_000_000

// maxDataErrors caps how many problems one data file reports.
const maxDataErrors = 20

// maxDataDays is the longest span of dates a data file may cover: the
// simulator's longest horizon.
const maxDataDays = 366

// maxCouponID is the longest coupon id, in bytes.
const maxCouponID = 128

// Beijing is the zone the aggregate format's dates and hours are in.
var Beijing = platform.Beijing

// AggregateColumns is the header of the aggregate format: one row per date,
// hour and channel with any activity.
var AggregateColumns = []string{"date", "hour", "channel", "sends", "claims", "redemptions"}

// CouponColumns is the header of the per-coupon format: one row per coupon
// sent.
var CouponColumns = []string{"coupon_id", "channel", "sent_at", "claimed_at", "redeemed_at"}

// ErrDataTooLarge is the cause of an error for a data file over MaxDataSize.
var ErrDataTooLarge = strictyaml.ErrTooLarge

// DataError is one problem in a data file: where it is, the header name of
// the field (in Path) and what is allowed. It is the positioned error of
// the strict-YAML kit, which also bounds the read.
type DataError = strictyaml.Error

// dataLimits bound a data file.
var dataLimits = strictyaml.Limits{MaxSize: MaxDataSize, What: "a data file"}

// Data is a merchant's campaign as its export shows it: sends, claims and
// redemptions per hour and channel.
type Data struct {
	File  string    // File names the data file.
	Start time.Time // Start is midnight, Beijing time, of the first date.
	Days  int       // Days counts the dates from the first to the last, inclusive.
	// Tallies hold one entry per hour and channel with any activity, Hour
	// counted from Start, ordered by hour and channel.
	Tallies []sim.Tally
	Coupons int // Coupons counts the rows of a per-coupon file; 0 for the aggregate format.
}

// ReadDataFile reads the data file at path (see ReadData).
func ReadDataFile(path string) (*Data, error) {
	data, err := strictyaml.ReadFile(path, dataLimits)
	if err != nil {
		return nil, tooLargeHint(err)
	}
	return ParseData(path, data)
}

// tooLargeHint adds to a refusal for size how to make the file smaller.
func tooLargeHint(err error) error {
	if e, ok := errors.AsType[*DataError](err); ok && errors.Is(e, ErrDataTooLarge) {
		e.Msg += " (aggregate it by hour, see docs/DATA.md)"
	}
	return err
}

// ReadData reads a data file from r; name names it in errors. The format
// is told by the header: the aggregate format (AggregateColumns) or the
// per-coupon format (CouponColumns), which is tallied into the same shape.
// Parsing is strict: every problem, up to 20, is reported with its line,
// column and what is allowed, and the error wraps each as a *DataError.
func ReadData(r io.Reader, name string) (*Data, error) {
	data, err := strictyaml.Read(r, name, dataLimits)
	if err != nil {
		return nil, tooLargeHint(err)
	}
	return ParseData(name, data)
}

// ParseData is ReadData for data already in memory.
func ParseData(name string, data []byte) (*Data, error) {
	p := &dataParser{file: name}
	if len(data) > MaxDataSize {
		return nil, tooLargeHint(&DataError{File: name, Msg: dataLimits.TooLarge(int64(len(data))), Err: ErrDataTooLarge})
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a spreadsheet's byte-order mark
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:invalidUTF8At(data)], []byte("\n"))
		return nil, &DataError{File: name, Line: line, Msg: "not UTF-8 text; save the export as CSV in UTF-8"}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, &DataError{File: name, Msg: "empty; want the header " + strings.Join(AggregateColumns, ",") + " or " + strings.Join(CouponColumns, ",")}
	}
	if err != nil {
		return nil, p.csvError(err)
	}
	var d *Data
	switch {
	case slices.Equal(header, AggregateColumns):
		d = p.aggregate(cr)
	case slices.Equal(header, CouponColumns):
		d = p.coupons(cr)
	default:
		return nil, &DataError{File: name, Line: 1, Col: 1, Msg: fmt.Sprintf("header %q is neither %s (aggregate) nor %s (one row per coupon)",
			strings.Join(header, ","), strings.Join(AggregateColumns, ","), strings.Join(CouponColumns, ","))}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return d, nil
}

// invalidUTF8At is the offset of the first byte of data that is not valid
// UTF-8.
func invalidUTF8At(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(data)
}

// dataParser collects the problems of one file.
type dataParser struct {
	file string
	errs []error
	more int // more counts problems beyond maxDataErrors
}

func (p *dataParser) fail(line, col int, column, format string, a ...any) {
	if len(p.errs) >= maxDataErrors {
		p.more++
		return
	}
	p.errs = append(p.errs, &DataError{File: p.file, Line: line, Col: col, Path: column, Msg: fmt.Sprintf(format, a...)})
}

func (p *dataParser) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	errs := p.errs
	if p.more > 0 {
		errs = append(slices.Clone(errs), &DataError{File: p.file, Msg: fmt.Sprintf("and %d more problems", p.more)})
	}
	return errors.Join(errs...)
}

// csvError turns a CSV syntax error into a DataError at its position.
func (p *dataParser) csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &DataError{File: p.file, Line: pe.Line, Col: pe.Column, Msg: "CSV syntax: " + pe.Err.Error(), Err: err}
	}
	return &DataError{File: p.file, Msg: err.Error(), Err: err}
}

// records calls fn for every record after the header with its fields'
// positions, stopping at a syntax error.
func (p *dataParser) records(cr *csv.Reader, columns []string, fn func(rec []string, pos func(i int) (int, int))) {
	pos := func(i int) (int, int) { return cr.FieldPos(i) }
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			p.errs = append(p.errs, p.csvError(err))
			return
		}
		if len(rec) != len(columns) {
			line, _ := cr.FieldPos(0)
			p.fail(line, 0, "", "%d fields; want %d (%s)", len(rec), len(columns), strings.Join(columns, ","))
			continue
		}
		fn(rec, pos)
	}
}

// aggRow is a row of the aggregate format as read.
type aggRow struct {
	date time.Time
	sim.Tally
	line int
}

// aggregate reads the rows of the aggregate format.
func (p *dataParser) aggregate(cr *csv.Reader) *Data {
	var rows []aggRow
	p.records(cr, AggregateColumns, func(rec []string, pos func(int) (int, int)) {
		bad := func(i int, format string, a ...any) {
			line, col := pos(i)
			p.fail(line, col, AggregateColumns[i], format, a...)
		}
		line, _ := pos(0)
		r := aggRow{line: line}
		ok := true
		if d, err := time.ParseInLocation(time.DateOnly, rec[0], Beijing); err != nil || len(rec[0]) != 10 || d.Year() < 2000 || d.Year() > 2199 {
			bad(0, "%q is not a date; want YYYY-MM-DD (Beijing time), e.g. 2026-03-02", rec[0])
			ok = false
		} else {
			r.date = d
		}
		if h, good := wholeNumber(rec[1], 23); !good {
			bad(1, "%q is not an hour; want a whole number 0 to 23 (Beijing time)", rec[1])
			ok = false
		} else {
			r.Hour = h
		}
		if ch, err := platform.ParseChannel(rec[2]); err != nil {
			bad(2, "%q is not a channel; want one of %s", rec[2], strings.Join(platform.ChannelNames(), ", "))
			ok = false
		} else {
			r.Channel = ch
		}
		for i, f := range []*int{&r.Sends, &r.Claims, &r.Redemptions} {
			n, good := wholeNumber(rec[3+i], maxCount)
			if !good {
				bad(3+i, "%q is not a count; want a whole number 0 to 1,000,000,000", rec[3+i])
				ok = false
			}
			*f = n
		}
		if ok {
			rows = append(rows, r)
		}
	})
	if len(p.errs) > 0 {
		return nil
	}
	if len(rows) == 0 {
		p.fail(0, 0, "", "no rows after the header; want one row per date, hour and channel with any activity")
		return nil
	}
	d := &Data{File: p.file}
	first := slices.MinFunc(rows, func(a, b aggRow) int { return a.date.Compare(b.date) }).date
	last := slices.MaxFunc(rows, func(a, b aggRow) int { return a.date.Compare(b.date) }).date
	d.Start = first
	d.Days = daysBetween(first, last) + 1
	if d.Days > maxDataDays {
		p.fail(0, 0, "date", "the dates span %d days (%s to %s); a data file covers at most %d", d.Days, first.Format(time.DateOnly), last.Format(time.DateOnly), maxDataDays)
		return nil
	}
	for i := range rows {
		rows[i].Hour += 24 * daysBetween(first, rows[i].date)
	}
	slices.SortStableFunc(rows, func(a, b aggRow) int {
		return cmp.Or(cmp.Compare(a.Hour, b.Hour), cmp.Compare(a.Channel, b.Channel))
	})
	for i := 1; i < len(rows); i++ {
		if a, b := rows[i-1], rows[i]; a.Hour == b.Hour && a.Channel == b.Channel {
			p.fail(b.line, 1, "", "a second row for %s %02d:00 %s (the first is on line %d); want one row per date, hour and channel", b.date.Format(time.DateOnly), b.Hour%24, b.Channel, a.line)
		}
	}
	for _, r := range rows {
		d.Tallies = append(d.Tallies, r.Tally)
	}
	p.order(d, func(i int) int { return rows[i].line })
	return d
}

// order checks that, through each channel, claims never outrun sends and
// redemptions never outrun claims, counting up to each hour: a coupon is
// claimed after it is sent and redeemed after it is claimed. It also wants
// some sends. line gives the line of tally i for the message.
func (p *dataParser) order(d *Data, line func(i int) int) {
	type sums struct{ sends, claims, redemptions int }
	by := map[platform.Channel]*sums{}
	total := 0
	for i, t := range d.Tallies {
		s := by[t.Channel]
		if s == nil {
			s = &sums{}
			by[t.Channel] = s
		}
		s.sends += t.Sends
		s.claims += t.Claims
		s.redemptions += t.Redemptions
		total += t.Sends
		when := d.At(t.Hour).Format("2006-01-02 15:00")
		switch {
		case s.claims > s.sends:
			p.fail(line(i), 0, "", "by %s, %s has %d claims but only %d sends; a coupon is claimed after it is sent, in the same hour or later", when, t.Channel, s.claims, s.sends)
			return
		case s.redemptions > s.claims:
			p.fail(line(i), 0, "", "by %s, %s has %d redemptions but only %d claims; a coupon is redeemed after it is claimed", when, t.Channel, s.redemptions, s.claims)
			return
		}
	}
	if total == 0 {
		p.fail(0, 0, "sends", "no sends; the data must show the campaign's sends")
	}
}

// coupons reads the rows of the per-coupon format and tallies them.
func (p *dataParser) coupons(cr *csv.Reader) *Data {
	type event struct {
		at   time.Time
		kind int // 0 send, 1 claim, 2 redemption
		ch   platform.Channel
	}
	var events []event
	seen := map[string]int{}
	rows := 0
	p.records(cr, CouponColumns, func(rec []string, pos func(int) (int, int)) {
		bad := func(i int, format string, a ...any) {
			line, col := pos(i)
			p.fail(line, col, CouponColumns[i], format, a...)
		}
		line, _ := pos(0)
		ok := true
		switch id := rec[0]; {
		case id == "" || len(id) > maxCouponID || strings.ContainsAny(id, "\r\n"):
			bad(0, "%q is not a coupon id; want 1 to %d characters on one line", id, maxCouponID)
			ok = false
		case seen[id] > 0:
			bad(0, "coupon %q is also on line %d; want one row per coupon", id, seen[id])
			ok = false
		default:
			seen[id] = line
		}
		ch, err := platform.ParseChannel(rec[1])
		if err != nil {
			bad(1, "%q is not a channel; want one of %s", rec[1], strings.Join(platform.ChannelNames(), ", "))
			ok = false
		}
		var at [3]time.Time
		var has [3]bool
		for k := range 3 {
			i := 2 + k
			if rec[i] == "" {
				if k == 0 {
					bad(i, "empty; every coupon has a send time (RFC 3339, e.g. 2026-03-02T10:00:00+08:00)")
					ok = false
				}
				continue
			}
			t, err := time.Parse(time.RFC3339, rec[i])
			if err != nil || t.Year() < 2000 || t.Year() > 2199 {
				bad(i, "%q is not a time; want RFC 3339 with a zone, e.g. 2026-03-02T10:00:00+08:00, or empty when it did not happen", rec[i])
				ok = false
				continue
			}
			at[k], has[k] = t, true
		}
		if has[2] && !has[1] && rec[3] == "" {
			bad(4, "redeemed but never claimed; want claimed_at too")
			ok = false
		}
		for k := 1; k < 3; k++ {
			if has[k] && has[k-1] && at[k].Before(at[k-1]) {
				bad(2+k, "%s is before %s (%s); want it at or after", rec[2+k], CouponColumns[1+k], rec[1+k])
				ok = false
			}
		}
		if !ok {
			return
		}
		rows++
		for k := range 3 {
			if has[k] {
				events = append(events, event{at[k].In(Beijing), k, ch})
			}
		}
	})
	if len(p.errs) > 0 {
		return nil
	}
	if rows == 0 {
		p.fail(0, 0, "", "no rows after the header; want one row per coupon sent")
		return nil
	}
	d := &Data{File: p.file, Coupons: rows}
	first := slices.MinFunc(events, func(a, b event) int { return a.at.Compare(b.at) }).at
	last := slices.MaxFunc(events, func(a, b event) int { return a.at.Compare(b.at) }).at
	d.Start = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, Beijing)
	end := time.Date(last.Year(), last.Month(), last.Day(), 0, 0, 0, 0, Beijing)
	d.Days = daysBetween(d.Start, end) + 1
	if d.Days > maxDataDays {
		p.fail(0, 0, "", "the coupons' times span %d days (%s to %s); a data file covers at most %d", d.Days, d.Start.Format(time.DateOnly), end.Format(time.DateOnly), maxDataDays)
		return nil
	}
	type key struct {
		hour int
		ch   platform.Channel
	}
	idx := map[key]int{}
	for _, e := range events {
		k := key{int(e.at.Sub(d.Start) / time.Hour), e.ch}
		i, ok := idx[k]
		if !ok {
			i = len(d.Tallies)
			idx[k] = i
			d.Tallies = append(d.Tallies, sim.Tally{Hour: k.hour, Channel: k.ch})
		}
		switch e.kind {
		case 0:
			d.Tallies[i].Sends++
		case 1:
			d.Tallies[i].Claims++
		default:
			d.Tallies[i].Redemptions++
		}
	}
	slices.SortFunc(d.Tallies, func(a, b sim.Tally) int {
		return cmp.Or(cmp.Compare(a.Hour, b.Hour), cmp.Compare(a.Channel, b.Channel))
	})
	return d
}

// wholeNumber parses s, decimal digits only, as a number 0 to hi.
func wholeNumber(s string, hi int) (int, bool) {
	if s == "" || len(s) > 10 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > hi {
		return 0, false
	}
	return n, true
}

// daysBetween counts the days from midnight a to midnight b, both Beijing
// time.
func daysBetween(a, b time.Time) int { return int(b.Sub(a).Round(time.Hour) / (24 * time.Hour)) }

// Figures are the levels a campaign shows, which a data fit meets and a
// backtest predicts. FiguresOf computes them alike from a merchant's data
// and from a simulated run.
type Figures struct {
	Sends, Claims, Redemptions int
	// Cut is the end of the hour, counted from the start, by which half the
	// claims had come in; Early counts the redemptions before it.
	Cut   int
	Early int
}

// ClaimConversion is claims per send.
func (f Figures) ClaimConversion() float64 { return ratio(f.Claims, f.Sends) }

// RedemptionRate is redemptions per claim.
func (f Figures) RedemptionRate() float64 { return ratio(f.Redemptions, f.Claims) }

// EarlyShare is the share of redemptions made before Cut.
func (f Figures) EarlyShare() float64 { return ratio(f.Early, f.Redemptions) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// FiguresOf sums tallies and counts the redemptions before hour cut.
func FiguresOf(ts []sim.Tally, cut int) Figures {
	f := Figures{Cut: cut}
	for _, t := range ts {
		f.Sends += t.Sends
		f.Claims += t.Claims
		f.Redemptions += t.Redemptions
		if t.Hour < cut {
			f.Early += t.Redemptions
		}
	}
	return f
}

// HalfClaims is the end of the hour, counted from the start, in which the
// claims of ts first reach half their total; 0 without claims.
func HalfClaims(ts []sim.Tally) int {
	total := 0
	for _, t := range ts {
		total += t.Claims
	}
	if total == 0 {
		return 0
	}
	sum := 0
	for _, t := range ts {
		if sum += t.Claims; 2*sum >= total {
			return t.Hour + 1
		}
	}
	return ts[len(ts)-1].Hour + 1
}

// Figures are the data's levels, early redemptions counted before the
// hour half its claims were in.
func (d *Data) Figures() Figures { return FiguresOf(d.Tallies, HalfClaims(d.Tallies)) }

// Hours is the length of the data's window in hours.
func (d *Data) Hours() int { return 24 * d.Days }

// At is the time hour h of the data's window starts.
func (d *Data) At(h int) time.Time { return d.Start.Add(time.Duration(h) * time.Hour) }

// The targets a data fit meets, by id.
const (
	TargetClaims     = "claims"
	TargetRedemption = "redemption"
	TargetTiming     = "timing"
)

// Arms of a data experiment: the data's whole window, and the same run cut
// at Figures.Cut for the early redemptions.
const (
	ArmData = "data"
	ArmCut  = "cut"
)

// DataParams are the level parameters a data fit moves: claim_prob for the
// claims, redeem_prob and forget_hours together for the redemption rate and
// its timing. A holder's fading recall (forget_hours) moves the redemption
// rate and the early share the same way, where the intent to go
// (redeem_prob) and the lapse of plans (plan_hours) move them opposite
// ways, so the timing tells forget_hours from redeem_prob but not
// plan_hours from it.
func DataParams() []Param {
	return []Param{
		fitted("claim_prob", 0.005, 1, TargetClaims),
		fitted("redeem_prob", 0.02, 1, TargetRedemption, TargetTiming),
		fitted("forget_hours", 0.5, 3000, TargetRedemption, TargetTiming),
	}
}

// toleranceFloor is the least relative error a fitted level is allowed:
// what a model cannot be expected to get right however large the data.
const toleranceFloor = 0.02

// z975 is the normal quantile of a two-sided 95% interval.
const z975 = 1.959964

// binomialTol is the tolerance of a share p measured on n trials: the
// half-width of its 95% interval and the floor, added in quadrature.
func binomialTol(p float64, n int) float64 {
	se := math.Sqrt(p * (1 - p) / float64(max(n, 1)))
	return math.Hypot(z975*se, toleranceFloor*p)
}

// A DataModel replays a merchant's data in the merchant's scenario: its
// population, merchant and coupon, with the campaign replaced by the
// data's sends.
type DataModel struct {
	Scenario string // Scenario is the merchant scenario file.
	Data     *Data
	Scale    float64 // Scale shrinks the population and every push's sends (0 or 1: full size).
	Observed Figures // Observed are the data's figures.
	// SimSends is the simulated campaign's sends: the data's, scaled.
	SimSends int
}

// NewDataModel checks that the merchant scenario can replay d with start's
// behaviour: one arm, a coupon that is one coupon, no referral rewards,
// and no override of a parameter the fit moves.
func NewDataModel(scenario string, d *Data, scale float64, start sim.Behaviour) (*DataModel, error) {
	if !(scale > 0 && scale < 1) {
		scale = 1
	}
	m := &DataModel{Scenario: scenario, Data: d, Scale: scale, Observed: d.Figures()}
	base, err := scenarios.LoadFileWithProfile(scenario, start)
	if err != nil {
		return nil, err
	}
	if len(base.Arms) != 1 {
		return nil, fmt.Errorf("%s: %d arms; a merchant scenario describes one setup, with no arms or sweep", scenario, len(base.Arms))
	}
	cfg := &base.Arms[0].Config
	if cfg.Coupon.Kind == platform.KindCombo {
		return nil, fmt.Errorf("%s: coupon.kind is combo; the data format counts one coupon per claim, so describe one of its sub-coupons", scenario)
	}
	if cfg.ReferralReward {
		return nil, fmt.Errorf("%s: referral_reward issues coupons nobody sent; turn it off to replay data", scenario)
	}
	// A field the scenario sets itself would hide what the fit moves.
	moved := start
	for _, p := range DataParams() {
		v := p.Field(&moved)
		*v = math.Min(math.Max(*v*1.25, p.Lo), p.Hi)
		if *v == *p.Field(&start) {
			*v = math.Max(*v/1.25, p.Lo)
		}
	}
	again, err := scenarios.LoadFileWithProfile(scenario, moved)
	if err != nil {
		return nil, err
	}
	for _, p := range DataParams() {
		if *p.Field(&again.Arms[0].Config.Behaviour) != *p.Field(&moved) {
			return nil, fmt.Errorf("%s: sets behaviour.%s (or a profile), which the data fit moves; leave it to the fit", scenario, p.Name)
		}
	}
	exp, err := m.Experiment(start)
	if err != nil {
		return nil, err
	}
	for _, p := range exp.Arms[0].Config.Campaign {
		m.SimSends += p.SendsPerDay
	}
	if m.SimSends == 0 {
		return nil, fmt.Errorf("%s: no sends are left at scale %g", d.File, scale)
	}
	return m, nil
}

// maxPushes caps the pushes a replay makes: one per date, hour and channel
// with sends.
const maxPushes = 5000

// Experiment returns the replay with behaviour b: arm "data" over the
// data's window, from midnight of its first date, one push per date, hour
// and channel with its sends, at the start of the hour, reaching the
// audience the scenario's push of that channel reaches (everyone when it
// has none); and arm "cut", the same run cut at the observed Cut. The
// scenario's start, horizon and campaign are replaced; its seed and
// replications stay.
func (m *DataModel) Experiment(b sim.Behaviour) (*sim.Experiment, error) {
	base, err := scenarios.LoadFileWithProfile(m.Scenario, b)
	if err != nil {
		return nil, err
	}
	return m.replay(base)
}

// replay puts the data's sends in the first arm of base.
func (m *DataModel) replay(base *sim.Experiment) (*sim.Experiment, error) {
	if len(base.Arms) == 0 {
		return nil, fmt.Errorf("%s: no arms", m.Scenario)
	}
	cfg := base.Arms[0].Config
	d := m.Data
	audience := map[platform.Channel]sim.Push{}
	for _, p := range cfg.Campaign {
		if _, ok := audience[p.Channel]; !ok {
			audience[p.Channel] = p
		}
	}
	var pushes []sim.Push
	for _, t := range d.Tallies {
		sends := t.Sends
		if m.Scale < 1 {
			sends = int(math.Round(float64(sends) * m.Scale))
		}
		if sends == 0 {
			continue
		}
		p := sim.Push{Channel: t.Channel, Target: "all"}
		if a, ok := audience[t.Channel]; ok {
			p.Target, p.Device = a.Target, a.Device
		}
		p.SendsPerDay, p.FirstDay, p.Days, p.PushAt = sends, t.Hour/24, 1, time.Duration(t.Hour%24)*time.Hour
		pushes = append(pushes, p)
	}
	if len(pushes) > maxPushes {
		return nil, fmt.Errorf("%s: %d dates, hours and channels with sends; a replay makes at most %d pushes", d.File, len(pushes), maxPushes)
	}
	cfg.Start, cfg.Horizon, cfg.Campaign = d.Start, time.Duration(d.Hours())*time.Hour, pushes
	if m.Scale < 1 {
		cfg.Population.Users = max(2, int(math.Round(float64(cfg.Population.Users)*m.Scale)))
	}
	cut := cfg
	cut.Horizon = time.Duration(max(m.Observed.Cut, 1)) * time.Hour
	exp := &sim.Experiment{
		Name: base.Name, Question: "replay of " + d.File, File: base.File, Seed: base.Seed, Replications: base.Replications,
		Arms: []sim.Arm{{Name: ArmData, Config: cfg}, {Name: ArmCut, Config: cut}},
	}
	return exp, nil
}

// Loader returns the Loader Fit and Evaluate run the replay with; it
// answers only to the data file's name.
func (m *DataModel) Loader() Loader {
	return func(name string, b sim.Behaviour) (Source, error) {
		if name != m.Data.File {
			return Source{}, fmt.Errorf("calibrate: the data model replays %s, not %s", m.Data.File, name)
		}
		exp, err := m.Experiment(b)
		return Source{Experiment: exp}, err
	}
}

// Targets are the data's levels as targets: the claims (as the KPI issued,
// claim conversion times the simulated sends), the redemption rate, and,
// when the data show both early and late redemptions, the share of
// redemptions before Cut (the KPI redeemed of arm "cut" over arm "data").
// Each tolerance is the half-width of the level's binomial 95% interval
// and a 2% floor, added in quadrature.
func (m *DataModel) Targets() []Target {
	o := m.Observed
	k, r, e := o.ClaimConversion(), o.RedemptionRate(), o.EarlyShare()
	ts := []Target{
		{ID: TargetClaims, Name: "claim conversion", Scenario: m.Data.File, Arm: ArmData, KPI: "issued",
			Want: k * float64(m.SimSends), Tol: binomialTol(k, o.Sends) * float64(m.SimSends)},
	}
	if o.Claims > 0 {
		ts = append(ts, Target{ID: TargetRedemption, Name: "redemption rate", Scenario: m.Data.File, Arm: ArmData, KPI: "redemption_rate",
			Want: 100 * r, Tol: 100 * binomialTol(r, o.Claims)})
	}
	if o.Early > 0 && o.Early < o.Redemptions && o.Cut < m.Data.Hours() {
		ts = append(ts, Target{ID: TargetTiming, Name: "early share (before " + m.Data.At(o.Cut).Format("01-02 15:04") + ")",
			Scenario: m.Data.File, Arm: ArmCut, Baseline: ArmData, KPI: "redeemed", Want: e, Tol: binomialTol(e, o.Redemptions)})
	}
	return ts
}

// Level is a target as the data shows it: the observed figure with its
// binomial 95% interval, and the fitted one, in the same unit (a share).
type Level struct {
	Fitted                             // Fitted is the target and what the model gives, in the KPI's unit.
	Observed, ObsLow, ObsHigh  float64 // Observed is the data's share with its 95% interval.
	Model, ModelLow, ModelHigh float64 // Model is the fitted share with its 95% interval.
	Tolerance                  float64 // Tolerance is the target's tolerance, as a share.
}

// Levels puts fitted targets in the data's units: shares, the claims as
// claim conversion.
func (m *DataModel) Levels(fs []Fitted) []Level {
	o := m.Observed
	out := make([]Level, len(fs))
	for i, f := range fs {
		l := Level{Fitted: f}
		var n int
		switch f.ID {
		case TargetClaims:
			l.Observed, n = o.ClaimConversion(), o.Sends
			s := float64(m.SimSends)
			l.Model, l.ModelLow, l.ModelHigh, l.Tolerance = f.Value/s, f.Low/s, f.High/s, f.Tol/s
		case TargetRedemption:
			l.Observed, n = o.RedemptionRate(), o.Claims
			l.Model, l.ModelLow, l.ModelHigh, l.Tolerance = f.Value/100, f.Low/100, f.High/100, f.Tol/100
		default:
			l.Observed, n = o.EarlyShare(), o.Redemptions
			l.Model, l.ModelLow, l.ModelHigh, l.Tolerance = f.Value, f.Low, f.High, f.Tol
		}
		l.ObsLow, l.ObsHigh = wilson(l.Observed, n)
		out[i] = l
	}
	return out
}

// wilson is the Wilson score 95% interval of a share p of n trials.
func wilson(p float64, n int) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	nn := float64(n)
	z2 := z975 * z975
	c := (p + z2/(2*nn)) / (1 + z2/nn)
	h := z975 * math.Sqrt(p*(1-p)/nn+z2/(4*nn*nn)) / (1 + z2/nn)
	return math.Max(0, c-h), math.Min(1, c+h)
}

// DataFit is a fit of a merchant's levels to its own data.
type DataFit struct {
	Model    *DataModel
	Start    sim.Behaviour // Start is the profile the fit started from.
	Targets  []Target
	Result   *Result         // Result is the fit, with its own evaluation of the targets.
	Levels   []Level         // Levels are the final check's, in the data's units.
	Ensemble *EnsembleResult // Ensemble is nil unless asked for and the fit meets every target.
}

// Pass reports whether every level is met.
func (f *DataFit) Pass() bool {
	for _, l := range f.Levels {
		if !l.Pass() {
			return false
		}
	}
	return true
}

// Profile is the fitted profile with its ensemble, as scenarios write it.
func (f *DataFit) Profile() scenarios.Profile {
	p := scenarios.Profile{Behaviour: f.Result.Behaviour}
	if f.Ensemble != nil {
		p.Ensemble = f.Ensemble.Members
	}
	return p
}

// inward returns b with each of params moved, if need be, into the inner
// 90% of its fitting range on the log scale. The simplex works on the
// logit of that position, where a value by a bound (the shipped
// redeem_prob, 0.96 of at most 1) barely moves with a step.
func inward(b sim.Behaviour, params []Param) sim.Behaviour {
	for _, p := range params {
		lo, hi := math.Log(p.Lo), math.Log(p.Hi)
		v := p.Field(&b)
		u := (math.Log(*v) - lo) / (hi - lo)
		*v = math.Exp(lo + math.Min(math.Max(u, 0.05), 0.95)*(hi-lo))
	}
	return b
}

// DataOptions control a data fit.
type DataOptions struct {
	Options // Options are the fit's; Scale shrinks the replay (see DataModel).
	// Check is the replications of the final check (0: the fit's own
	// evaluation is the check).
	Check int
	// Ensemble is how many parameter sets to draw around the fit (0: none).
	Ensemble int
}

// FitData fits DataParams, from start, to the levels of d replayed in the
// merchant scenario, with Fit; then checks the fit with opts.Check
// replications and, when asked and the fit meets every target, draws an
// ensemble around it. Everything runs on common random numbers, so the
// result is deterministic for opts.Seed.
func FitData(ctx context.Context, start sim.Behaviour, scenario string, d *Data, opts DataOptions) (*DataFit, error) {
	m, err := NewDataModel(scenario, d, opts.Scale, start)
	if err != nil {
		return nil, err
	}
	fo := opts.Options
	fo.Scale = 0 // the replay is scaled already
	targets := m.Targets()
	res, err := Fit(ctx, inward(start, DataParams()), DataParams(), targets, m.Loader(), fo)
	if err != nil {
		return nil, err
	}
	f := &DataFit{Model: m, Start: start, Targets: targets, Result: res}
	fitted := res.Fitted
	if opts.Check > 0 {
		co := fo
		co.Replications = opts.Check
		if fitted, err = Evaluate(ctx, res.Behaviour, targets, m.Loader(), co); err != nil {
			return nil, err
		}
	}
	f.Levels = m.Levels(fitted)
	if opts.Ensemble > 0 && allPass(res.Fitted) {
		ens, err := Ensemble(ctx, res.Behaviour, DataParams(), targets, m.Loader(), fo, EnsembleOptions{Size: opts.Ensemble})
		if err != nil {
			return nil, err
		}
		f.Ensemble = ens
	}
	return f, nil
}
