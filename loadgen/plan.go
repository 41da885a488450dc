package loadgen

import (
	"cmp"
	"encoding"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"giftsim/internal/strictyaml"
	"giftsim/platform"
)

// Bounds on plans.
const (
	MaxPlanSize    = 1 << 20          // MaxPlanSize bounds a plan file in bytes.
	MaxRequests    = 10_000_000       // MaxRequests bounds one phase.
	MaxRunDuration = 24 * time.Hour   // MaxRunDuration bounds a whole run.
	maxPlanErrors  = 100              // maxPlanErrors caps the errors one file reports.
	maxPlanDepth   = 16               // maxPlanDepth bounds YAML nesting.
	defaultMaxRun  = 10 * time.Minute // defaultMaxRun is a run's bound unless the plan says otherwise.
)

// TargetBuiltin names the mock platform started in-process by the command
// layer; loadgen itself only ever sees its URL.
const TargetBuiltin = "builtin"

// Phase alignments with the platform day.
const (
	AlignNone     = "none"      // start at once
	AlignDayStart = "day-start" // start as a platform day starts (at once if one began just now)
	AlignFitDay   = "fit-day"   // start at once if the phase fits in what is left of the day, else at the next
)

// Signature schemes a plan may name.
const (
	SchemeHMAC = "hmac"
	SchemeRSA  = "rsa"
)

// ErrPlan marks every plan error, for errors.Is.
var ErrPlan = errors.New("load plan")

// PlanError is one problem in a load plan: where it is, which field, and
// what is allowed. It is the strict-YAML kit's positioned error; its cause
// is ErrPlan.
type PlanError = strictyaml.Error

// planLimits are the strict-YAML kit's bounds for a plan file.
var planLimits = strictyaml.Limits{MaxSize: MaxPlanSize, MaxDepth: maxPlanDepth, What: "a load plan"}

// PlanErrors is every problem found in a plan, in file order.
type PlanErrors = strictyaml.Errors

// Plan is a load plan: the target, whose credentials sign the requests,
// which identities they address, and phases run one after another, each an
// operation mix at a rate profile with its thresholds.
type Plan struct {
	File        string        // File is where the plan was read ("" for one built from flags).
	Name        string        // Name names the plan in reports.
	Description string        // Description says what the plan checks.
	Target      string        // Target is TargetBuiltin or a base URL such as http://127.0.0.1:8080.
	Day         time.Duration // Day is the platform day's wall length on the target (the mock's --day).
	Seed        uint64        // Seed drives the driver's random choices; it is logged.
	MaxDuration time.Duration // MaxDuration bounds the whole run.
	Merchant    Merchant
	Identities  Identities
	HTTP        HTTP
	Stocks      []StockSpec // Stocks are created and started before the first phase.
	Groups      []Group     // Groups reserve users for phases, in order.
	Phases      []Phase
	Thresholds  []Check // Thresholds judge the whole run.

	pos map[string]position // pos holds each field's place in the file.
}

// Merchant names the merchant whose credentials sign the requests. With a
// fixture, Tier or MchID picks the merchant and the rest defaults from it.
// Secrets are never in the plan: KeyFile or KeyEnv names where the HMAC key
// or the RSA private key (PEM) is.
type Merchant struct {
	Tier    string // Tier picks the fixture's first merchant of this tier.
	MchID   string
	AppID   string
	Serial  string
	Scheme  string // Scheme is SchemeHMAC or SchemeRSA.
	KeyFile string
	KeyEnv  string
	StockID string // StockID is the default stock (default: the merchant's first started stock in the fixture).
	Quota   int    // Quota is the merchant's daily quota (0: the fixture's or the tier's); the builtin mock uses it.
}

// Identities says where the users come from: the mock's fixture (a file, or
// the default fixture generated from FixtureSeed as `giftsim serve` does), a
// CSV of openids for a staging server, or Fake synthetic users.
type Identities struct {
	Fixture     string // Fixture is a fixture file.
	FixtureSeed uint64 // FixtureSeed generates the default fixture (used when nothing else is given).
	OpenIDs     string // OpenIDs is a CSV file: openid[,appid] per line, an optional header.
	Fake        int    // Fake makes this many synthetic openids with gofakeit.
	Limit       int    // Limit uses at most this many users (0: all).
}

// HTTP bounds the driver's client.
type HTTP struct {
	Timeout    time.Duration // Timeout bounds one request.
	Workers    int           // Workers is vegeta's initial worker count.
	MaxWorkers int           // MaxWorkers caps the workers (requests in flight).
	TLS        TLS           // TLS is how the driver connects: CAs, client certificate, names, HTTP/2 (tls.go).
}

// StockSpec is a stock the driver creates and starts before the first
// phase: the platform's stock spec (kind, category, channel, validity,
// allow_transfer, read by name, defaulted as the platform defaults them)
// with a face value and minimum spend in yuan and a budget.
type StockSpec struct {
	Name string // Name is how phases refer to it.
	platform.StockSpec
	Face       float64 // Face is in yuan.
	MinSpend   float64 // MinSpend is in yuan.
	MaxCoupons int
}

// Group reserves Count users that meet Require (bank_card, real_name,
// member) for the phases that name it; reserved users are left out of
// phases that name no group.
type Group struct {
	Name    string
	Count   int
	Require []string
}

// MixEntry is one operation of a phase's mix and its weight.
type MixEntry struct {
	Op     Op
	Weight float64
}

// Phase is one attack: an operation mix at a rate profile.
type Phase struct {
	Name     string
	Mix      []MixEntry
	Requests int     // Requests is the phase's count (0: what the profile delivers).
	Rate     Profile // Rate is the rate profile.
	Align    string  // Align is AlignNone, AlignDayStart or AlignFitDay.
	Stock    string  // Stock names a plan stock ("" for the merchant's default).
	To       string  // To names the group sends and offers go to ("" for the users in no group).
	From     string  // From names the phase whose coupons query, offer, claim, refuse, redeem and retries use ("" for this one).
	ClientIP string  // ClientIP is sent as X-Forwarded-For: an address, "fake" for gofakeit addresses, or "" for none.
	Hold     *Check  // Hold must hold at every step of a steps profile; the phase stops at the first that breaks it.
	// Thresholds judge the phase's own results.
	Thresholds []Check
}

// Check is a threshold as written in a plan, with its place.
type Check struct {
	*Threshold
	Line, Col int
	// Abort also judges the threshold during the run, over a sliding
	// window of its last Window (0: DefaultAbortWindow) once the window
	// holds MinRequests answers (0: DefaultAbortMinRequests), and stops
	// the run when it fails there (k6's abortOnFail; abort.go).
	Abort       bool
	Window      time.Duration
	MinRequests int
}

// position is a place in a plan file.
type position struct{ line, col int }

// DefaultPlan returns a plan with every default set and no phase.
func DefaultPlan() *Plan {
	return &Plan{
		Target:      TargetBuiltin,
		Day:         platform.Day,
		Seed:        1,
		MaxDuration: defaultMaxRun,
		Merchant:    Merchant{Scheme: SchemeHMAC},
		Identities:  Identities{FixtureSeed: 1},
		HTTP:        HTTP{Timeout: 5 * time.Second, Workers: 16, MaxWorkers: 256},
	}
}

// DefaultPhase returns a phase with the defaults set: sends through the v3
// API at 100 a second.
func DefaultPhase(name string) Phase {
	return Phase{Name: name, Mix: []MixEntry{{OpSendV3, 1}}, Rate: Profile{Kind: ProfileConstant, Rate: 100}, Align: AlignNone}
}

// LoadPlanFile reads and checks the plan at path.
func LoadPlanFile(path string) (*Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPlan, err)
	}
	defer f.Close()
	return ParsePlan(f, path)
}

// ParsePlan reads a plan strictly: unknown fields, wrong types and values
// out of range are errors naming file:line:col and what is allowed, all at
// once (a PlanErrors). name labels errors.
func ParsePlan(r io.Reader, name string) (*Plan, error) {
	var doc *yaml.Node
	data, err := strictyaml.Read(r, name, planLimits)
	if err == nil {
		var root *yaml.Node
		if root, err = strictyaml.Parse(name, data, planLimits); err == nil {
			doc = root
		}
	}
	if e, ok := errors.AsType[*strictyaml.Error](err); ok {
		pe := *e
		pe.Err = ErrPlan
		if errors.Is(e, strictyaml.ErrEmpty) {
			pe.Msg = "file is empty; a plan needs at least name and phases"
		}
		return nil, PlanErrors{&pe}
	} else if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrPlan, name, err)
	}
	p := DefaultPlan()
	p.File = name
	p.pos = map[string]position{}
	d := &decoder{file: name, pos: p.pos}
	d.plan(doc, p)
	// Semantic problems come with the decoding ones, except where a field
	// already failed to decode (or, for a phase's schedule, any of the
	// phase's fields did).
	decoding := slices.Clone(d.errs)
	for _, e := range p.check() {
		if !slices.ContainsFunc(decoding, func(de *PlanError) bool { return related(de.Path, e.Path) }) {
			d.errs = append(d.errs, e)
		}
	}
	if len(d.errs) > 0 {
		return nil, d.sorted()
	}
	return p, nil
}

// related reports whether a semantic error at path follows from a decoding
// error at failed.
func related(failed, path string) bool {
	if failed == path || strings.HasPrefix(path, failed+".") || strings.HasPrefix(failed, path+".") || strings.HasPrefix(failed, path+"[") {
		return true
	}
	phase, ok := strings.CutSuffix(path, ".rate")
	return ok && strings.HasPrefix(phase, "phases[") && strings.HasPrefix(failed, phase+".")
}

// decoder walks a YAML node tree into a plan, collecting errors.
type decoder struct {
	file    string
	pos     map[string]position
	errs    PlanErrors
	dropped int
}

func (d *decoder) errf(n *yaml.Node, path, format string, a ...any) {
	if len(d.errs) >= maxPlanErrors {
		d.dropped++
		return
	}
	e := &PlanError{File: d.file, Path: path, Msg: fmt.Sprintf(format, a...), Err: ErrPlan}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	d.errs = append(d.errs, e)
}

func (d *decoder) sorted() PlanErrors {
	// In file order; problems without a place go last.
	slices.SortStableFunc(d.errs, func(a, b *PlanError) int {
		return cmp.Or(cmp.Compare(btoi(a.Line == 0), btoi(b.Line == 0)), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	if d.dropped > 0 {
		d.errs = append(d.errs, &PlanError{File: d.file, Msg: fmt.Sprintf("%d more errors not shown", d.dropped), Err: ErrPlan})
	}
	return d.errs
}

// fields maps a mapping's keys to decoders of their values.
type fields map[string]func(v *yaml.Node, path string)

// mapping decodes a mapping node through fs; unknown and repeated keys are
// errors that list what is allowed.
func (d *decoder) mapping(n *yaml.Node, path string, fs fields) {
	if !d.kind(n, path, yaml.MappingNode, "a mapping") {
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := k.Value
		if path != "" {
			kp = path + "." + k.Value
		}
		if !d.kind(k, kp, yaml.ScalarNode, "a field name") {
			continue
		}
		f, ok := fs[k.Value]
		if !ok {
			names := make([]string, 0, len(fs))
			for name := range fs {
				names = append(names, name)
			}
			slices.Sort(names)
			d.errf(k, kp, "unknown field %q (allowed: %s)", k.Value, strings.Join(names, ", "))
			continue
		}
		if seen[k.Value] {
			d.errf(k, kp, "field %q given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		d.pos[kp] = position{v.Line, v.Column}
		f(v, kp)
	}
}

// kind checks a node's kind, refusing aliases and anchors.
func (d *decoder) kind(n *yaml.Node, path string, k yaml.Kind, want string) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		d.errf(n, path, "YAML anchors and aliases are not supported")
		return false
	}
	if n.Kind != k {
		d.errf(n, path, "want %s, got %s", want, strictyaml.Describe(n))
		return false
	}
	return true
}

func (d *decoder) str(n *yaml.Node, path string, dst *string) {
	if !d.kind(n, path, yaml.ScalarNode, "a string") {
		return
	}
	if n.ShortTag() != "!!str" {
		d.errf(n, path, "want a string, got %s (quote it: %q)", strictyaml.Describe(n), n.Value)
		return
	}
	*dst = n.Value
}

// text reads a string into a value that reads itself from text (the
// platform's enums), reporting its error at the node.
func (d *decoder) text(n *yaml.Node, path string, dst encoding.TextUnmarshaler) {
	var s string
	before := len(d.errs)
	d.str(n, path, &s)
	if len(d.errs) > before {
		return
	}
	if err := dst.UnmarshalText([]byte(s)); err != nil {
		d.errf(n, path, "%v", err)
	}
}

func (d *decoder) integer(n *yaml.Node, path string, lo, hi int, dst *int) {
	if !d.kind(n, path, yaml.ScalarNode, "a whole number") {
		return
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 10, 64)
	if n.ShortTag() != "!!int" || err != nil {
		d.errf(n, path, "want a whole number, got %s", strictyaml.Describe(n))
		return
	}
	if v < int64(lo) || v > int64(hi) {
		d.errf(n, path, "want %d to %d, got %d", lo, hi, v)
		return
	}
	*dst = int(v)
}

func (d *decoder) uint64(n *yaml.Node, path string, dst *uint64) {
	if !d.kind(n, path, yaml.ScalarNode, "a whole number") {
		return
	}
	v, err := strconv.ParseUint(strings.ReplaceAll(n.Value, "_", ""), 10, 64)
	if n.ShortTag() != "!!int" || err != nil {
		d.errf(n, path, "want a whole number 0 or more, got %s", strictyaml.Describe(n))
		return
	}
	*dst = v
}

func (d *decoder) float(n *yaml.Node, path string, lo, hi float64, dst *float64) {
	if !d.kind(n, path, yaml.ScalarNode, "a number") {
		return
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if t := n.ShortTag(); t != "!!int" && t != "!!float" || err != nil {
		d.errf(n, path, "want a number, got %s", strictyaml.Describe(n))
		return
	}
	if !(v >= lo && v <= hi) {
		d.errf(n, path, "want %g to %g, got %s", lo, hi, n.Value)
		return
	}
	*dst = v
}

func (d *decoder) boolean(n *yaml.Node, path string, dst *bool) {
	if !d.kind(n, path, yaml.ScalarNode, "true or false") {
		return
	}
	if n.ShortTag() != "!!bool" {
		d.errf(n, path, "want true or false, got %s", strictyaml.Describe(n))
		return
	}
	*dst = n.Value == "true"
}

func (d *decoder) duration(n *yaml.Node, path string, lo, hi time.Duration, dst *time.Duration) {
	if !d.kind(n, path, yaml.ScalarNode, "a duration") {
		return
	}
	v, err := platform.ParseDuration(n.Value)
	if err != nil || n.ShortTag() != "!!str" {
		d.errf(n, path, "want a duration such as 500ms, 10s, 2m or 1d, got %s", strictyaml.Describe(n))
		return
	}
	if v < lo || v > hi {
		d.errf(n, path, "want %s to %s, got %s", platform.FormatDuration(lo), platform.FormatDuration(hi), n.Value)
		return
	}
	*dst = v
}

// rate reads a rate: a number of requests per second or "N/s", "N/m", "N/h".
func (d *decoder) rate(n *yaml.Node, path string, dst *float64) {
	if !d.kind(n, path, yaml.ScalarNode, "a rate") {
		return
	}
	v, err := ParseRate(n.Value)
	if err != nil || n.ShortTag() == "!!bool" || n.ShortTag() == "!!null" {
		d.errf(n, path, "want a rate such as 500, \"500/s\", \"30/m\" or \"100/h\", got %s", strictyaml.Describe(n))
		return
	}
	if v > 1e6 {
		d.errf(n, path, "want at most 1000000 requests per second, got %s", n.Value)
		return
	}
	*dst = v
}

// ParseRate reads a rate in requests per second: "500", "500/s", "30/m" or
// "100/h".
func ParseRate(s string) (float64, error) {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), "/")
	v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(num), "_", ""), 64)
	if err != nil || !(v >= 0) || v > 1e12 {
		return 0, fmt.Errorf("%w: rate %q: want a number 0 or more, optionally /s, /m or /h", ErrPlan, s)
	}
	switch strings.TrimSpace(unit) {
	case "", "s", "1s":
		return v, nil
	case "m", "1m":
		return v / 60, nil
	case "h", "1h":
		return v / 3600, nil
	}
	return 0, fmt.Errorf("%w: rate %q: unit must be /s, /m or /h", ErrPlan, s)
}

func (d *decoder) strings(n *yaml.Node, path string, dst *[]string) {
	if !d.kind(n, path, yaml.SequenceNode, "a list of strings") {
		return
	}
	for i, c := range n.Content {
		var s string
		d.str(c, fmt.Sprintf("%s[%d]", path, i), &s)
		*dst = append(*dst, s)
	}
}

func (d *decoder) check(n *yaml.Node, path string, dst *Check) {
	var s string
	if !d.kind(n, path, yaml.ScalarNode, "a threshold such as \"latency.p99 < 50ms\"") {
		return
	}
	if n.ShortTag() != "!!str" {
		d.errf(n, path, "want a threshold such as \"latency.p99 < 50ms\", got %s", strictyaml.Describe(n))
		return
	}
	s = n.Value
	t, err := ParseThreshold(s)
	if err != nil {
		var ee *ExprError
		if errors.As(err, &ee) && !strings.Contains(s, "\n") {
			col := n.Column + ee.Pos
			if n.Style == yaml.DoubleQuotedStyle || n.Style == yaml.SingleQuotedStyle {
				col++
			}
			d.errs = append(d.errs, &PlanError{File: d.file, Line: n.Line, Col: col, Path: path, Msg: fmt.Sprintf("threshold %q: %s", s, ee.Msg), Err: ErrPlan})
			return
		}
		d.errf(n, path, "threshold %q: %v", s, err)
		return
	}
	*dst = Check{Threshold: t, Line: n.Line, Col: n.Column}
}

func (d *decoder) checks(n *yaml.Node, path string, dst *[]Check) {
	if !d.kind(n, path, yaml.SequenceNode, "a list of thresholds") {
		return
	}
	for i, c := range n.Content {
		var ch Check
		if c.Kind == yaml.MappingNode {
			d.abortCheck(c, fmt.Sprintf("%s[%d]", path, i), &ch)
		} else {
			d.check(c, fmt.Sprintf("%s[%d]", path, i), &ch)
		}
		if ch.Threshold != nil {
			*dst = append(*dst, ch)
		}
	}
}

func (d *decoder) plan(n *yaml.Node, p *Plan) {
	d.mapping(n, "", fields{
		"name":         func(v *yaml.Node, path string) { d.str(v, path, &p.Name) },
		"description":  func(v *yaml.Node, path string) { d.str(v, path, &p.Description) },
		"target":       func(v *yaml.Node, path string) { d.str(v, path, &p.Target) },
		"day":          func(v *yaml.Node, path string) { d.duration(v, path, minDay, platform.Day, &p.Day) },
		"seed":         func(v *yaml.Node, path string) { d.uint64(v, path, &p.Seed) },
		"max_duration": func(v *yaml.Node, path string) { d.duration(v, path, time.Second, MaxRunDuration, &p.MaxDuration) },
		"merchant": func(v *yaml.Node, path string) {
			m := &p.Merchant
			d.mapping(v, path, fields{
				"tier":     func(v *yaml.Node, path string) { d.str(v, path, &m.Tier) },
				"mchid":    func(v *yaml.Node, path string) { d.str(v, path, &m.MchID) },
				"appid":    func(v *yaml.Node, path string) { d.str(v, path, &m.AppID) },
				"serial":   func(v *yaml.Node, path string) { d.str(v, path, &m.Serial) },
				"scheme":   func(v *yaml.Node, path string) { d.str(v, path, &m.Scheme) },
				"key_file": func(v *yaml.Node, path string) { d.str(v, path, &m.KeyFile) },
				"key_env":  func(v *yaml.Node, path string) { d.str(v, path, &m.KeyEnv) },
				"stock_id": func(v *yaml.Node, path string) { d.str(v, path, &m.StockID) },
				"quota":    func(v *yaml.Node, path string) { d.integer(v, path, 0, 1<<30, &m.Quota) },
			})
		},
		"identities": func(v *yaml.Node, path string) {
			id := &p.Identities
			d.mapping(v, path, fields{
				"fixture":      func(v *yaml.Node, path string) { d.str(v, path, &id.Fixture) },
				"fixture_seed": func(v *yaml.Node, path string) { d.uint64(v, path, &id.FixtureSeed) },
				"openids":      func(v *yaml.Node, path string) { d.str(v, path, &id.OpenIDs) },
				"fake":         func(v *yaml.Node, path string) { d.integer(v, path, 1, 10_000_000, &id.Fake) },
				"limit":        func(v *yaml.Node, path string) { d.integer(v, path, 0, 10_000_000, &id.Limit) },
			})
		},
		"http": func(v *yaml.Node, path string) {
			h := &p.HTTP
			fs := fields{
				"timeout":     func(v *yaml.Node, path string) { d.duration(v, path, time.Millisecond, time.Minute, &h.Timeout) },
				"workers":     func(v *yaml.Node, path string) { d.integer(v, path, 1, maxWorkerCap, &h.Workers) },
				"max_workers": func(v *yaml.Node, path string) { d.integer(v, path, 1, maxWorkerCap, &h.MaxWorkers) },
			}
			maps.Copy(fs, d.tlsFields(&h.TLS))
			d.mapping(v, path, fs)
		},
		"stocks": func(v *yaml.Node, path string) {
			if !d.kind(v, path, yaml.MappingNode, "a mapping of stock names to stocks") {
				return
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				k, sv := v.Content[i], v.Content[i+1]
				sp := path + "." + k.Value
				// A plan's stock is a test stock: giftable and valid ten days
				// unless it says otherwise; the rest takes the platform's
				// defaults (platform.StockSpec).
				s := StockSpec{Name: k.Value, Face: 10, MinSpend: 50,
					StockSpec: platform.StockSpec{Validity: platform.Duration(10 * platform.Day), AllowTransfer: true}}
				d.pos[sp] = position{k.Line, k.Column}
				d.mapping(sv, sp, fields{
					"kind":      func(v *yaml.Node, path string) { d.text(v, path, &s.Kind) },
					"category":  func(v *yaml.Node, path string) { d.text(v, path, &s.Category) },
					"channel":   func(v *yaml.Node, path string) { d.text(v, path, &s.Channel) },
					"face":      func(v *yaml.Node, path string) { d.float(v, path, 0.01, 1e6, &s.Face) },
					"min_spend": func(v *yaml.Node, path string) { d.float(v, path, 0, 1e6, &s.MinSpend) },
					"validity": func(v *yaml.Node, path string) {
						var dv time.Duration
						d.duration(v, path, time.Hour, 366*platform.Day, &dv)
						if dv > 0 {
							s.Validity = platform.Duration(dv)
						}
					},
					"max_coupons":    func(v *yaml.Node, path string) { d.integer(v, path, 0, 1<<30, &s.MaxCoupons) },
					"allow_transfer": func(v *yaml.Node, path string) { d.boolean(v, path, &s.AllowTransfer) },
				})
				p.Stocks = append(p.Stocks, s)
			}
		},
		"groups": func(v *yaml.Node, path string) {
			if !d.kind(v, path, yaml.MappingNode, "a mapping of group names to groups") {
				return
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				k, gv := v.Content[i], v.Content[i+1]
				gp := path + "." + k.Value
				g := Group{Name: k.Value}
				d.pos[gp] = position{k.Line, k.Column}
				d.mapping(gv, gp, fields{
					"count":   func(v *yaml.Node, path string) { d.integer(v, path, 1, 10_000_000, &g.Count) },
					"require": func(v *yaml.Node, path string) { d.strings(v, path, &g.Require) },
				})
				p.Groups = append(p.Groups, g)
			}
		},
		"phases": func(v *yaml.Node, path string) {
			if !d.kind(v, path, yaml.SequenceNode, "a list of phases") {
				return
			}
			for i, pv := range v.Content {
				pp := fmt.Sprintf("%s[%d]", path, i)
				d.pos[pp] = position{pv.Line, pv.Column}
				p.Phases = append(p.Phases, d.phase(pv, pp, i))
			}
		},
		"thresholds": func(v *yaml.Node, path string) { d.checks(v, path, &p.Thresholds) },
	})
}

func (d *decoder) phase(n *yaml.Node, path string, i int) Phase {
	ph := DefaultPhase(fmt.Sprintf("phase%d", i+1))
	d.mapping(n, path, fields{
		"name": func(v *yaml.Node, path string) { d.str(v, path, &ph.Name) },
		"mix": func(v *yaml.Node, path string) {
			ph.Mix = nil
			if !d.kind(v, path, yaml.MappingNode, "a mapping of operations to weights, e.g. {send_v3: 9, query: 1}") {
				return
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				k, w := v.Content[j], v.Content[j+1]
				op, err := ParseOp(k.Value)
				if err != nil {
					d.errf(k, path+"."+k.Value, "%v", err)
					continue
				}
				e := MixEntry{Op: op}
				d.float(w, path+"."+k.Value, 1e-9, 1e9, &e.Weight)
				if slices.ContainsFunc(ph.Mix, func(m MixEntry) bool { return m.Op == op }) {
					d.errf(k, path+"."+k.Value, "operation %q given twice", k.Value)
					continue
				}
				ph.Mix = append(ph.Mix, e)
			}
		},
		"requests": func(v *yaml.Node, path string) { d.integer(v, path, 1, MaxRequests, &ph.Requests) },
		"rate": func(v *yaml.Node, path string) {
			if v.Kind == yaml.ScalarNode {
				ph.Rate = Profile{Kind: ProfileConstant}
				d.rate(v, path, &ph.Rate.Rate)
				return
			}
			ph.Rate = d.profile(v, path)
		},
		"align":      func(v *yaml.Node, path string) { d.str(v, path, &ph.Align) },
		"stock":      func(v *yaml.Node, path string) { d.str(v, path, &ph.Stock) },
		"to":         func(v *yaml.Node, path string) { d.str(v, path, &ph.To) },
		"from":       func(v *yaml.Node, path string) { d.str(v, path, &ph.From) },
		"client_ip":  func(v *yaml.Node, path string) { d.str(v, path, &ph.ClientIP) },
		"hold":       func(v *yaml.Node, path string) { ph.Hold = &Check{}; d.check(v, path, ph.Hold) },
		"thresholds": func(v *yaml.Node, path string) { d.checks(v, path, &ph.Thresholds) },
	})
	if ph.Hold != nil && ph.Hold.Threshold == nil {
		ph.Hold = nil
	}
	return ph
}

func (d *decoder) profile(n *yaml.Node, path string) Profile {
	var p Profile
	var start, step float64
	var steps int
	var slots []string
	d.mapping(n, path, fields{
		"profile":  func(v *yaml.Node, path string) { d.str(v, path, &p.Kind) },
		"rate":     func(v *yaml.Node, path string) { d.rate(v, path, &p.Rate) },
		"duration": func(v *yaml.Node, path string) { d.duration(v, path, time.Millisecond, MaxRunDuration, &p.Duration) },
		"from":     func(v *yaml.Node, path string) { d.rate(v, path, &p.From) },
		"to":       func(v *yaml.Node, path string) { d.rate(v, path, &p.To) },
		"over":     func(v *yaml.Node, path string) { d.duration(v, path, time.Millisecond, MaxRunDuration, &p.Over) },
		"hold":     func(v *yaml.Node, path string) { d.duration(v, path, 0, MaxRunDuration, &p.Hold) },
		"rates": func(v *yaml.Node, path string) {
			if !d.kind(v, path, yaml.SequenceNode, "a list of rates") {
				return
			}
			for i, c := range v.Content {
				var r float64
				d.rate(c, fmt.Sprintf("%s[%d]", path, i), &r)
				p.Rates = append(p.Rates, r)
			}
		},
		"start":   func(v *yaml.Node, path string) { d.rate(v, path, &start) },
		"step":    func(v *yaml.Node, path string) { d.rate(v, path, &step) },
		"steps":   func(v *yaml.Node, path string) { d.integer(v, path, 1, 1000, &steps) },
		"every":   func(v *yaml.Node, path string) { d.duration(v, path, time.Millisecond, MaxRunDuration, &p.Every) },
		"per_day": func(v *yaml.Node, path string) { d.float(v, path, 1, MaxRequests, &p.PerDay) },
		"day":     func(v *yaml.Node, path string) { d.duration(v, path, minDay, platform.Day, &p.Day) },
		"hourly": func(v *yaml.Node, path string) {
			if !d.kind(v, path, yaml.SequenceNode, "a list of 24 weights") {
				return
			}
			if len(v.Content) != 24 {
				d.errf(v, path, "want 24 weights, one per hour, got %d", len(v.Content))
				return
			}
			for i, c := range v.Content {
				var w float64
				d.float(c, fmt.Sprintf("%s[%d]", path, i), 0, 1e9, &w)
				p.Hourly = append(p.Hourly, w)
			}
		},
		"fill":  func(v *yaml.Node, path string) { d.float(v, path, 0.5, 1, &p.Fill) },
		"slots": func(v *yaml.Node, path string) { d.strings(v, path, &slots) },
		"burst": func(v *yaml.Node, path string) { d.duration(v, path, time.Second, platform.SlotLength, &p.Burst) },
	})
	if steps > 0 {
		for i := range steps {
			p.Rates = append(p.Rates, start+float64(i)*step)
		}
	}
	for i, s := range slots {
		t, err := time.Parse("15:04", s)
		if err != nil || platform.CheckSlot(t) != nil {
			d.errf(n, fmt.Sprintf("%s.slots[%d]", path, i), "want a half-hour slot start such as \"10:00\" or \"10:30\" (R12), got %q", s)
			continue
		}
		p.Slots = append(p.Slots, platform.Slot(t))
	}
	return p
}

// minDay is the shortest platform day a plan may name.
const minDay = 100 * time.Millisecond

// maxWorkerCap bounds vegeta's workers.
const maxWorkerCap = 100_000

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Validate checks the plan and returns every problem at once (a PlanErrors),
// or nil.
func (p *Plan) Validate() error {
	if errs := p.check(); len(errs) > 0 {
		return errs
	}
	return nil
}

// check returns every semantic problem of the plan.
func (p *Plan) check() PlanErrors {
	var errs PlanErrors
	bad := func(path, format string, a ...any) {
		e := &PlanError{File: p.File, Path: path, Msg: fmt.Sprintf(format, a...), Err: ErrPlan}
		for q := path; q != ""; {
			if at, ok := p.pos[q]; ok {
				e.Line, e.Col = at.line, at.col
				break
			}
			if i := strings.LastIndexAny(q, ".["); i > 0 {
				q = q[:i]
			} else {
				q = ""
			}
		}
		errs = append(errs, e)
	}
	if p.Name == "" {
		bad("name", "a plan needs a name")
	}
	// badName refuses a name of the kind that is malformed or already in
	// seen; the caller marks it seen.
	badName := func(path, kind, name string, seen map[string]bool) {
		if !namePattern.MatchString(name) {
			bad(path, "%s name %q: want lower-case letters, digits, - and _", kind, name)
		}
		if seen[name] {
			bad(path, "%s %q defined twice", kind, name)
		}
	}
	if p.Target != TargetBuiltin {
		if _, err := ParseTarget(p.Target); err != nil {
			bad("target", "%s", planMsg(err))
		}
	}
	if p.Day < minDay || p.Day > platform.Day {
		bad("day", "want %s to 1d, got %s", minDay, p.Day)
	}
	if p.MaxDuration < time.Second || p.MaxDuration > MaxRunDuration {
		bad("max_duration", "want 1s to 1d, got %s", p.MaxDuration)
	}
	m := p.Merchant
	if m.Scheme != SchemeHMAC && m.Scheme != SchemeRSA {
		bad("merchant.scheme", "want hmac or rsa, got %q", m.Scheme)
	}
	if m.Tier != "" {
		if _, err := platform.ParseTier(m.Tier); err != nil {
			bad("merchant.tier", "%v", err)
		}
	}
	if m.KeyFile != "" && m.KeyEnv != "" {
		bad("merchant.key_env", "give key_file or key_env, not both")
	}
	if m.Scheme == SchemeRSA && m.KeyFile == "" && m.KeyEnv == "" {
		bad("merchant.scheme", "rsa signing needs the private key: set key_file or key_env")
	}
	id := p.Identities
	if n := btoi(id.Fixture != "") + btoi(id.OpenIDs != "") + btoi(id.Fake > 0); n > 1 {
		bad("identities", "give one of fixture, openids and fake")
	}
	h := p.HTTP
	if h.Timeout < time.Millisecond || h.Timeout > time.Minute {
		bad("http.timeout", "want 1ms to 1m, got %s", h.Timeout)
	}
	if h.Workers < 1 || h.MaxWorkers < 1 || h.Workers > h.MaxWorkers || h.MaxWorkers > maxWorkerCap {
		bad("http.workers", "want 1 <= workers <= max_workers <= %d, got %d and %d", maxWorkerCap, h.Workers, h.MaxWorkers)
	}
	h.TLS.check(bad)
	stocks := map[string]bool{}
	for _, s := range p.Stocks {
		path := "stocks." + s.Name
		badName(path, "stock", s.Name, stocks)
		stocks[s.Name] = true
		if _, _, err := s.Platform(); err != nil {
			for _, e := range unjoin(err) {
				bad(path, "%v", e)
			}
		}
	}
	groups := map[string]bool{}
	for _, g := range p.Groups {
		path := "groups." + g.Name
		badName(path, "group", g.Name, groups)
		groups[g.Name] = true
		if g.Count < 1 {
			bad(path+".count", "want at least 1 user")
		}
		for i, r := range g.Require {
			if !slices.Contains(requirements, r) {
				bad(fmt.Sprintf("%s.require[%d]", path, i), "unknown requirement %q (allowed: %s)", r, strings.Join(requirements, ", "))
			}
		}
	}
	if len(p.Phases) == 0 {
		bad("phases", "a plan needs at least one phase")
	}
	phases := map[string]bool{}
	var total time.Duration
	for i, ph := range p.Phases {
		path := fmt.Sprintf("phases[%d]", i)
		badName(path+".name", "phase", ph.Name, phases)
		if len(ph.Mix) == 0 {
			bad(path+".mix", "a phase needs at least one operation (allowed: %s)", strings.Join(OpNames(), ", "))
		}
		for _, e := range ph.Mix {
			if !(e.Weight > 0) {
				bad(path+".mix."+e.Op.String(), "weight must be above 0")
			}
		}
		switch ph.Align {
		case "", AlignNone, AlignDayStart, AlignFitDay:
		default:
			bad(path+".align", "want %s, %s or %s, got %q", AlignNone, AlignDayStart, AlignFitDay, ph.Align)
		}
		if ph.Stock != "" && !stocks[ph.Stock] {
			bad(path+".stock", "no stock %q under stocks", ph.Stock)
		}
		if ph.To != "" && !groups[ph.To] {
			bad(path+".to", "no group %q under groups", ph.To)
		}
		if ph.From != "" && !phases[ph.From] {
			bad(path+".from", "no earlier phase %q", ph.From)
		}
		if ip := ph.ClientIP; ip != "" && ip != "fake" {
			if _, err := netip.ParseAddr(ip); err != nil {
				bad(path+".client_ip", "want an IP address or \"fake\", got %q", ip)
			}
		}
		if ph.Hold != nil && ph.Rate.Kind != ProfileSteps {
			bad(path+".hold", "hold needs a steps profile")
		}
		if msg := ph.Rate.problem(); msg != "" {
			bad(path+".rate", "%s", msg)
		} else if s, err := ph.Schedule(p.Day, 0, 1); err != nil {
			bad(path+".rate", "%s", planMsg(err))
		} else {
			total += s.Length()
		}
		if ph.Align == AlignDayStart || ph.Align == AlignFitDay {
			total += p.Day // the wait for the next platform day, at worst
		}
		phases[ph.Name] = true
	}
	if total > p.MaxDuration {
		bad("max_duration", "the phases' schedules and waits for the platform day take up to %s, more than max_duration %s; raise it (at most 1d)", total.Round(time.Millisecond), p.MaxDuration)
	}
	return errs
}

// feeds returns the phases whose coupons and sends later operations use:
// those named by a later phase's from, and those whose own mix acts on
// coupons.
func (p *Plan) feeds() map[string]bool {
	out := map[string]bool{}
	for _, ph := range p.Phases {
		if ph.From != "" {
			out[ph.From] = true
			continue
		}
		for _, e := range ph.Mix {
			if e.Op != OpSendV3 && e.Op != OpSendCard {
				out[ph.Name] = true
			}
		}
	}
	return out
}

// requirements are the user attributes a group may require.
var requirements = []string{"bank_card", "real_name", "member"}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// unjoin flattens errors joined with errors.Join.
func unjoin(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, unjoin(e)...)
	}
	return out
}

// planMsg is an error's message without the ErrPlan prefix, for a
// PlanError that names the plan already.
func planMsg(err error) string {
	return strings.TrimPrefix(err.Error(), ErrPlan.Error()+": ")
}

// problem returns what is wrong with a profile's fields, or "".
func (p Profile) problem() string {
	switch p.Kind {
	case ProfileConstant:
		if !(p.Rate > 0) {
			return "constant: want a rate above 0"
		}
	case ProfileRamp:
		if p.Over <= 0 || !(p.From > 0 || p.To > 0) {
			return "ramp: want over and a from or to above 0"
		}
	case ProfileSteps:
		if len(p.Rates) == 0 || p.Every <= 0 {
			return "steps: want every and rates (or start, step and steps)"
		}
		for _, r := range p.Rates {
			if !(r >= 0) {
				return "steps: rates must be 0 or more"
			}
		}
	case ProfileDaily, ProfileSlots:
		if !(p.PerDay >= 1) {
			return p.Kind + ": want per_day"
		}
		sum := 0.0
		for _, w := range p.hourly() {
			sum += w
		}
		if !(sum > 0) {
			return p.Kind + ": hourly weights add up to 0"
		}
	default:
		return fmt.Sprintf("unknown profile %q (allowed: %s)", p.Kind, strings.Join(ProfileKinds(), ", "))
	}
	return ""
}

// Schedule returns the phase's schedule on a platform day of day for one
// shard of shards: its share of the requests, split exactly, at the same
// share of the rate.
func (ph Phase) Schedule(day time.Duration, shard, shards int) (*Schedule, error) {
	prof := ph.Rate
	if prof.Day == 0 {
		prof.Day = day
	}
	n := ph.Requests
	if n == 0 {
		n = int(prof.natural() + 1e-6)
	}
	switch {
	case n < 1:
		return nil, fmt.Errorf("%w: set requests (or a duration) to bound the phase", ErrPlan)
	case n > MaxRequests:
		return nil, fmt.Errorf("%w: the phase has %d requests, at most %d", ErrPlan, n, MaxRequests)
	}
	mine := n
	if shards > 1 {
		mine = n/shards + btoi(shard < n%shards)
	}
	if mine == 0 {
		return nil, fmt.Errorf("%w: shard %d of %d gets none of the phase's %d requests", ErrPlan, shard+1, shards, n)
	}
	return prof.Schedule(mine, float64(mine)/float64(n))
}

// ParseTarget checks a target base URL: http or https with a host, no query.
func ParseTarget(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%w: target %q: want %q or a base URL such as http://127.0.0.1:8080", ErrPlan, s, TargetBuiltin)
	}
	return u, nil
}

// Platform returns the stock's rule and channel, defaults filled in, and
// every rule it breaks (R1–R7, R10, C1–C4 validity; platform.StockSpec.Check).
func (s StockSpec) Platform() (platform.Stock, platform.Channel, error) {
	return s.Check(platform.CNY(s.Face), platform.CNY(s.MinSpend))
}
