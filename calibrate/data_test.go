package calibrate

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"giftsim/platform"
	"giftsim/scenarios"
	"giftsim/sim"
)

var update = flag.Bool("update", false, "rewrite the synthetic campaigns in scenarios/data")

// dataDir holds the synthetic example pair.
const dataDir = "../scenarios/data"

// merchantFile is the synthetic merchant's scenario.
var merchantFile = filepath.Join(dataDir, "merchant.yaml")

// Factors by which the synthetic merchant's true behaviour differs from
// the shipped profile (docs/DATA.md).
const (
	trueClaimFactor  = 1.5
	trueRedeemFactor = 0.5
)

// trueBehaviour is the behaviour the synthetic campaigns were made with: the
// shipped profile with claim_prob ×1.5 and redeem_prob ×0.5.
func trueBehaviour() sim.Behaviour {
	b, err := scenarios.LoadProfile("")
	if err != nil {
		panic(err)
	}
	b.ClaimProb *= trueClaimFactor
	b.RedeemProb *= trueRedeemFactor
	return b
}

// syntheticCampaign is one of the example campaigns: the merchant's pushes
// over a window, simulated once with trueBehaviour.
type syntheticCampaign struct {
	file     string
	scenario string
	seed     uint64
	start    time.Time
	days     int
	pushes   []sim.Push
}

func syntheticCampaigns() []syntheticCampaign {
	oa, mp := platform.ChannelOfficialAccount, platform.ChannelMiniProgram
	return []syntheticCampaign{
		{"campaign-a.csv", merchantFile, 101, time.Date(2026, 3, 2, 0, 0, 0, 0, Beijing), 21, []sim.Push{
			{Channel: oa, SendsPerDay: 500, PushAt: 10 * time.Hour, WeekdaysOnly: true, Days: 14, Target: "all"},
			{Channel: mp, SendsPerDay: 250, PushAt: 12 * time.Hour, Days: 14, Target: "all"},
		}},
		{"campaign-b.csv", merchantFile, 202, time.Date(2026, 4, 13, 0, 0, 0, 0, Beijing), 21, []sim.Push{
			{Channel: oa, SendsPerDay: 800, PushAt: 19 * time.Hour, WeekdaysOnly: true, Days: 10, Target: "all"},
			{Channel: mp, SendsPerDay: 400, PushAt: 11 * time.Hour, FirstDay: 3, Days: 7, Target: "all"},
		}},
	}
}

// generate simulates c once with trueBehaviour and writes its aggregate
// export.
func (c syntheticCampaign) generate(ctx context.Context) ([]byte, error) {
	exp, err := scenarios.LoadFileWithProfile(c.scenario, trueBehaviour())
	if err != nil {
		return nil, err
	}
	exp.Ensemble, exp.Seed = nil, c.seed
	cfg := &exp.Arms[0].Config
	cfg.Start, cfg.Horizon, cfg.Campaign = c.start, time.Duration(c.days)*platform.Day, c.pushes
	ts, err := sim.Activity(ctx, exp, 0, 0)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString("date,hour,channel,sends,claims,redemptions\n")
	for _, t := range ts {
		at := c.start.Add(time.Duration(t.Hour) * time.Hour)
		fmt.Fprintf(&b, "%s,%d,%s,%d,%d,%d\n", at.Format(time.DateOnly), at.Hour(), t.Channel, t.Sends, t.Claims, t.Redemptions)
	}
	return b.Bytes(), nil
}

// TestSyntheticCampaigns checks that scenarios/data holds exactly what
// generating the example campaigns gives; -update rewrites them.
func TestSyntheticCampaigns(t *testing.T) {
	for _, c := range syntheticCampaigns() {
		got, err := c.generate(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dataDir, c.file)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what the simulator now makes of it; run go test ./calibrate -run TestSyntheticCampaigns -update (and refresh the figures in docs/DATA.md)", path)
		}
		d, err := ParseData(path, got)
		if err != nil {
			t.Fatal(err)
		}
		f := d.Figures()
		t.Logf("%s: %d days, %d sends, %d claims (%.1f%%), %d redemptions (%.1f%%), %.1f%% before hour %d", c.file, d.Days, f.Sends, f.Claims, 100*f.ClaimConversion(), f.Redemptions, 100*f.RedemptionRate(), 100*f.EarlyShare(), f.Cut)
	}
}

func TestReadData(t *testing.T) {
	const agg = "date,hour,channel,sends,claims,redemptions\n"
	const cpn = "coupon_id,channel,sent_at,claimed_at,redeemed_at\n"
	tests := []struct {
		name, in string
		err      string // a line the error must hold; "" for none
		days     int
		figures  Figures
	}{
		{name: "aggregate", in: agg + "2026-03-03,9,mini-program,0,5,2\n2026-03-02,10,official-account,100,20,0\n2026-03-03,9,official-account,0,3,4\n2026-03-02,12,mini-program,50,10,1\n",
			days: 2, figures: Figures{Sends: 150, Claims: 38, Redemptions: 7, Cut: 11, Early: 0}},
		{name: "byte-order mark and CRLF", in: "\xef\xbb\xbf" + strings.ReplaceAll(agg+"2026-03-02,10,api,10,10,1\n", "\n", "\r\n"),
			days: 1, figures: Figures{Sends: 10, Claims: 10, Redemptions: 1, Cut: 11, Early: 1}},
		{name: "coupons", in: cpn +
			"c1,official-account,2026-03-02T10:00:00+08:00,2026-03-02T10:30:00+08:00,2026-03-03T12:15:00+08:00\n" +
			"c2,official-account,2026-03-02T02:00:00Z,,\n" + // 10:00 Beijing time
			"c3,mini-program,2026-03-02T12:00:00+08:00,2026-03-02T13:00:00+08:00,\n",
			days: 2, figures: Figures{Sends: 3, Claims: 2, Redemptions: 1, Cut: 11, Early: 0}},
		{name: "empty", in: "", err: "t.csv: empty; want the header"},
		{name: "header only", in: agg, err: "t.csv: no rows after the header"},
		{name: "bad header", in: "date,hour,channel,sends,claims\n", err: `t.csv:1:1: header "date,hour,channel,sends,claims" is neither`},
		{name: "bad date", in: agg + "2026-02-30,10,api,1,1,0\n", err: `t.csv:2:1: date: "2026-02-30" is not a date; want YYYY-MM-DD`},
		{name: "hour 24", in: agg + "2026-03-02,24,api,1,1,0\n", err: `t.csv:2:12: hour: "24" is not an hour; want a whole number 0 to 23`},
		{name: "unknown channel", in: agg + "2026-03-02,10,wechat,1,1,0\n", err: `t.csv:2:15: channel: "wechat" is not a channel; want one of chat, official-account`},
		{name: "negative count", in: agg + "2026-03-02,10,api,1,-1,0\n", err: `t.csv:2:21: claims: "-1" is not a count; want a whole number 0 to 1,000,000,000`},
		{name: "fraction", in: agg + "2026-03-02,10,api,1.5,1,0\n", err: `t.csv:2:19: sends: "1.5" is not a count`},
		{name: "fields", in: agg + "2026-03-02,10,api,1,1\n", err: "t.csv:2: 5 fields; want 6 (date,hour,channel,sends,claims,redemptions)"},
		{name: "duplicate", in: agg + "2026-03-02,10,api,1,1,0\n2026-03-02,10,api,1,1,0\n", err: "t.csv:3:1: a second row for 2026-03-02 10:00 api (the first is on line 2)"},
		{name: "claims before sends", in: agg + "2026-03-02,9,official-account,0,5,0\n2026-03-02,10,official-account,100,5,0\n", err: "t.csv:2: by 2026-03-02 09:00, official-account has 5 claims but only 0 sends"},
		{name: "redemptions outrun claims", in: agg + "2026-03-02,10,official-account,100,5,6\n", err: "t.csv:2: by 2026-03-02 10:00, official-account has 6 redemptions but only 5 claims"},
		{name: "no sends", in: agg + "2026-03-02,10,official-account,0,0,0\n", err: "t.csv: sends: no sends"},
		{name: "too long", in: agg + "2025-01-01,10,api,1,1,0\n2026-03-02,10,api,1,1,0\n", err: "t.csv: date: the dates span 426 days (2025-01-01 to 2026-03-02); a data file covers at most 366"},
		{name: "CSV syntax", in: agg + "2026-03-02,10,\"api,1,1,0\n", err: "t.csv:2:26: CSV syntax: extraneous or missing \" in quoted-field"},
		{name: "coupon without send", in: cpn + "c1,api,,2026-03-02T10:00:00+08:00,\n", err: "t.csv:2:8: sent_at: empty; every coupon has a send time"},
		{name: "coupon time", in: cpn + "c1,api,2026-03-02 10:00,,\n", err: `t.csv:2:8: sent_at: "2026-03-02 10:00" is not a time; want RFC 3339 with a zone`},
		{name: "coupon order", in: cpn + "c1,api,2026-03-02T10:00:00+08:00,2026-03-02T09:00:00+08:00,\n", err: "t.csv:2:34: claimed_at: 2026-03-02T09:00:00+08:00 is before sent_at (2026-03-02T10:00:00+08:00); want it at or after"},
		{name: "coupon redeemed unclaimed", in: cpn + "c1,api,2026-03-02T10:00:00+08:00,,2026-03-02T11:00:00+08:00\n", err: "t.csv:2:35: redeemed_at: redeemed but never claimed; want claimed_at too"},
		{name: "coupon twice", in: cpn + "c1,api,2026-03-02T10:00:00+08:00,,\nc1,api,2026-03-02T10:00:00+08:00,,\n", err: `t.csv:3:1: coupon_id: coupon "c1" is also on line 2; want one row per coupon`},
		{name: "not UTF-8", in: agg + "2026-03-02,10,api\xff,1,1,0\n", err: "t.csv:2: not UTF-8 text"},
		{name: "many problems", in: agg + strings.Repeat("x,10,api,1,1,0\n", 30), err: "t.csv: and 10 more problems"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ParseData("t.csv", []byte(tc.in))
			if tc.err != "" {
				if err == nil {
					t.Fatalf("no error; want %q", tc.err)
				}
				if !slices.Contains(strings.Split(err.Error(), "\n"), tc.err) && !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("err =\n%v\nwant a line starting %q", err, tc.err)
				}
				var de *DataError
				if !errors.As(err, &de) {
					t.Fatalf("err %v holds no *DataError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Days != tc.days || d.Figures() != tc.figures {
				t.Fatalf("got %d days, %+v; want %d, %+v", d.Days, d.Figures(), tc.days, tc.figures)
			}
			if d.Start.Hour() != 0 || d.Start.Location() != Beijing {
				t.Fatalf("start %v is not midnight in Beijing", d.Start)
			}
		})
	}
}

func TestReadDataTooLarge(t *testing.T) {
	big := io.MultiReader(strings.NewReader("date,hour,channel,sends,claims,redemptions\n"), io.LimitReader(zeros{}, MaxDataSize))
	_, err := ReadData(big, "big.csv")
	if !errors.Is(err, ErrDataTooLarge) {
		t.Fatalf("err = %v, want ErrDataTooLarge", err)
	}
	if _, err := ReadDataFile(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("reading a directory: err = %v", err)
	}
}

// zeros reads as endless "0" bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '0'
	}
	return len(p), nil
}

func FuzzReadData(f *testing.F) {
	f.Add("date,hour,channel,sends,claims,redemptions\n2026-03-02,10,official-account,100,20,3\n2026-03-03,9,official-account,0,3,4\n")
	f.Add("coupon_id,channel,sent_at,claimed_at,redeemed_at\nc1,api,2026-03-02T10:00:00+08:00,2026-03-02T10:00:00+08:00,2026-03-04T19:00:00Z\n")
	f.Add("date,hour,channel,sends,claims,redemptions\n\"2026-03-02\",\"1\n0\",api,1,1,1\n")
	f.Add("coupon_id,channel,sent_at,claimed_at,redeemed_at\nc1,geo,2026-03-02T10:00:00+08:00,,\nc2,geo,2027-03-02T10:00:00-23:59,,\n")
	f.Fuzz(func(t *testing.T, in string) {
		d, err := ParseData("f.csv", []byte(in))
		if err != nil {
			var de *DataError
			if !errors.As(err, &de) {
				t.Fatalf("error %v holds no *DataError", err)
			}
			return
		}
		if d.Days < 1 || d.Days > maxDataDays || d.Start.Hour() != 0 || len(d.Tallies) == 0 {
			t.Fatalf("accepted a bad window: %d days from %v, %d tallies", d.Days, d.Start, len(d.Tallies))
		}
		sends, claims, redemptions := 0, 0, 0
		for i, x := range d.Tallies {
			if x.Hour < 0 || x.Hour >= d.Hours() || x.Sends < 0 || x.Claims < 0 || x.Redemptions < 0 {
				t.Fatalf("accepted a bad tally %+v", x)
			}
			if i > 0 && (d.Tallies[i-1].Hour > x.Hour || d.Tallies[i-1].Hour == x.Hour && d.Tallies[i-1].Channel >= x.Channel) {
				t.Fatalf("tallies out of order or repeated at %d: %+v", i, d.Tallies[i-1:i+1])
			}
			sends, claims, redemptions = sends+x.Sends, claims+x.Claims, redemptions+x.Redemptions
		}
		if sends == 0 || claims > sends || redemptions > claims {
			t.Fatalf("accepted %d sends, %d claims, %d redemptions", sends, claims, redemptions)
		}
	})
}

func ExampleParseData() {
	export := `date,hour,channel,sends,claims,redemptions
2026-03-02,10,official-account,1000,180,12
2026-03-02,11,official-account,0,60,9
2026-03-02,19,official-account,0,10,30
2026-03-03,12,official-account,0,0,25
`
	d, err := ParseData("export.csv", []byte(export))
	if err != nil {
		fmt.Println(err)
		return
	}
	f := d.Figures()
	fmt.Printf("%d day(s) from %s: %d sends, claim conversion %.1f%%, redemption rate %.1f%%\n",
		d.Days, d.Start.Format(time.DateOnly), f.Sends, 100*f.ClaimConversion(), 100*f.RedemptionRate())
	fmt.Printf("half the claims were in by %s; %.0f%% of redemptions came before\n", d.At(f.Cut).Format("15:04"), 100*f.EarlyShare())
	// Output:
	// 2 day(s) from 2026-03-02: 1000 sends, claim conversion 25.0%, redemption rate 30.4%
	// half the claims were in by 11:00; 16% of redemptions came before
}

// readExample reads one of the synthetic campaigns.
func readExample(t *testing.T, name string) *Data {
	t.Helper()
	d, err := ReadDataFile(filepath.Join(dataDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestActivityMatchesRun checks that sim.Activity runs a replication as
// RunExperiment does, and that the cut arm's redemptions, which the fit's
// timing target counts, are the whole run's before the cut.
func TestActivityMatchesRun(t *testing.T) {
	ctx := context.Background()
	start, err := scenarios.LoadProfile("")
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewDataModel(merchantFile, readExample(t, "campaign-a.csv"), 0.5, start)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := m.Experiment(start)
	if err != nil {
		t.Fatal(err)
	}
	exp.Replications, exp.Seed = 4, 3
	res, err := sim.RunExperiment(ctx, exp, sim.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var sends, claims, redemptions, early float64
	for rep := range exp.Replications {
		ts, err := sim.Activity(ctx, exp, 0, rep)
		if err != nil {
			t.Fatal(err)
		}
		f := FiguresOf(ts, m.Observed.Cut)
		n := float64(exp.Replications)
		sends += float64(f.Sends) / n
		claims += float64(f.Claims) / n
		redemptions += float64(f.Redemptions) / n
		early += float64(f.Early) / n
	}
	data, cut := res.Arms[0].KPIs, res.Arms[1].KPIs
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"sends", sends, float64(m.SimSends)},
		{"claims", claims, data["issued"].Mean},
		{"redemptions", redemptions, data["redeemed"].Mean},
		{"early redemptions", early, cut["redeemed"].Mean},
	} {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s: Activity gives %g a replication, the run %g", c.name, c.got, c.want)
		}
	}
}

// TestDataModelRefuses checks the merchant scenarios a replay refuses.
func TestDataModelRefuses(t *testing.T) {
	start, err := scenarios.LoadProfile("")
	if err != nil {
		t.Fatal(err)
	}
	d := readExample(t, "campaign-a.csv")
	base, err := os.ReadFile(merchantFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, extra, err string }{
		{"arms", "arms:\n  - {name: a}\n  - {name: b, coupon: {validity: 14d}}\n", "2 arms; a merchant scenario describes one setup"},
		{"combo", "coupon: {kind: combo, sub_kinds: [discount, cash-red-packet], face_value: 30, min_spend: 90, validity: 7d}\n", "coupon.kind is combo"},
		{"fitted parameter", "behaviour: {claim_prob: 0.4}\n", "sets behaviour.claim_prob (or a profile), which the data fit moves"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "m.yaml")
			text := string(base)
			if tc.name == "combo" {
				text = strings.Replace(text, "coupon: {kind: discount, face_value: 20, min_spend: 60, validity: 7d, allow_transfer: true}\n", "", 1)
			}
			if err := os.WriteFile(file, []byte(text+tc.extra), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := NewDataModel(file, d, 1, start)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
		})
	}
}

// abOptions are the fitting options of the tests on the example pair:
// small, so the fit and backtest take some seconds.
var abOptions = BacktestOptions{
	DataOptions:  DataOptions{Options: Options{Replications: 6, MaxEvals: 30, Passes: 1, Seed: 1}, Ensemble: 6},
	Replications: 30,
}

// abBacktest fits on campaign-a and predicts campaign-b once for the tests
// that need it.
var abBacktest = sync.OnceValues(func() (*BacktestResult, error) {
	start, err := scenarios.LoadProfile("")
	if err != nil {
		return nil, err
	}
	a, err := ReadDataFile(filepath.Join(dataDir, "campaign-a.csv"))
	if err != nil {
		return nil, err
	}
	b, err := ReadDataFile(filepath.Join(dataDir, "campaign-b.csv"))
	if err != nil {
		return nil, err
	}
	return Backtest(context.Background(), start, merchantFile, a, merchantFile, b, abOptions)
})

// skipSlowData skips the tests that fit the example pair under the race
// detector, which makes them minutes long.
func skipSlowData(t *testing.T) {
	if raceEnabled {
		t.Skip("fitting the example pair takes minutes under the race detector")
	}
}

// TestFitRecoversLevels fits the shipped profile to campaign-a and checks
// that the fitted profile gives campaign-a's sends the levels the true
// behaviour gives them, within the targets' tolerances, on random numbers
// the fit never saw.
func TestFitRecoversLevels(t *testing.T) {
	skipSlowData(t)
	res, err := abBacktest()
	if err != nil {
		t.Fatal(err)
	}
	fit := res.Fit
	if !fit.Pass() {
		t.Errorf("the fit misses a target: %+v", fit.Levels)
	}
	opts := Options{Replications: 20, Seed: 977}
	truth, err := Evaluate(context.Background(), trueBehaviour(), fit.Targets, fit.Model.Loader(), opts)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Evaluate(context.Background(), fit.Result.Behaviour, fit.Targets, fit.Model.Loader(), opts)
	if err != nil {
		t.Fatal(err)
	}
	tl, gl := fit.Model.Levels(truth), fit.Model.Levels(got)
	for i, l := range gl {
		e := l.Model - tl[i].Model
		t.Logf("%s: true %.4f, fitted %.4f (%+.1f%%), tolerance ±%.4f", l.ID, tl[i].Model, l.Model, 100*e/tl[i].Model, l.Tolerance)
		if math.Abs(e) > l.Tolerance {
			t.Errorf("%s: the fitted profile gives %.4f, the true behaviour %.4f; want them within ±%.4f", l.ID, l.Model, tl[i].Model, l.Tolerance)
		}
	}
	b, tb := fit.Result.Behaviour, trueBehaviour()
	for _, p := range fit.Result.Params {
		g, w := *p.Field(&b), *p.Field(&tb)
		t.Logf("%s: true %.4g, fitted %.4g (%+.0f%%)", p.Name, w, g, 100*(g-w)/w)
	}
	if e := math.Abs(b.ClaimProb/tb.ClaimProb - 1); e > 0.1 {
		t.Errorf("claim_prob %.4g is %.0f%% off the true %.4g", b.ClaimProb, 100*e, tb.ClaimProb)
	}
}

// TestBacktestPredictsB checks that the fit on campaign-a predicts every
// figure of campaign-b within its prediction interval.
func TestBacktestPredictsB(t *testing.T) {
	skipSlowData(t)
	res, err := abBacktest()
	if err != nil {
		t.Fatal(err)
	}
	if res.Members == 0 {
		t.Errorf("no ensemble: the prediction's intervals hold the noise alone")
	}
	if len(res.Predictions) != 4 {
		t.Errorf("%d predictions, want 4", len(res.Predictions))
	}
	for _, p := range res.Predictions {
		t.Logf("%s: observed %.4g, predicted %.4g [%.4g, %.4g], error %+.1f%%", p.ID, p.Observed, p.Mean, p.Low, p.High, 100*p.Error())
		if !p.Inside() {
			t.Errorf("%s: observed %.4g outside the prediction interval [%.4g, %.4g]", p.ID, p.Observed, p.Low, p.High)
		}
	}
}
