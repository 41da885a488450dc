package loadgen

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v7"

	"giftsim/platform"
	"giftsim/platform/fixture"
	"giftsim/platform/sign"
)

// ErrCredentials marks a merchant, key or identity source the driver cannot
// use.
var ErrCredentials = errors.New("credentials")

// user is one identity the driver addresses. Attributes are known for
// fixture users; for CSV and fake users known is false and every
// requirement is taken as met.
type user struct {
	openID, appID              string
	bankCard, realName, member bool
	known                      bool
	index                      int // index is the user's place in the driver's list.
}

// meets reports whether u has every attribute in req.
func (u *user) meets(req []string) bool {
	if !u.known {
		return true
	}
	for _, r := range req {
		switch r {
		case "bank_card":
			if !u.bankCard {
				return false
			}
		case "real_name":
			if !u.realName {
				return false
			}
		case "member":
			if !u.member {
				return false
			}
		}
	}
	return true
}

// canGift reports whether u may gift in chat (R8: a bound bank card).
func (u *user) canGift() bool { return !u.known || u.bankCard }

// credentials are the resolved merchant and its signer.
type credentials struct {
	mchID, appID, stockID string
	quota                 int
	signer                *sign.Signer
}

// identities are the resolved users: all of them (this shard's), the
// groups' reserved users and the rest.
type identities struct {
	all    []*user
	byID   map[string]*user
	groups map[string][]*user
	rest   []*user
}

// BuiltinFixture returns the fixture the mock serves for a plan whose
// target is builtin: the plan's fixture file or the default fixture from
// its fixture_seed (as giftsim serve makes it), with merchant.quota set on
// the plan's merchant.
func BuiltinFixture(p *Plan) (*fixture.Fixture, error) {
	src := p.Identities
	if src.OpenIDs != "" || src.Fake > 0 {
		return nil, fmt.Errorf("%w: the builtin target serves the fixture's users; drop identities.openids and identities.fake", ErrPlan)
	}
	var f *fixture.Fixture
	if src.Fixture != "" {
		var err error
		if f, err = fixture.LoadFile(src.Fixture); err != nil {
			return nil, fmt.Errorf("%w: identities.fixture: %w", ErrCredentials, err)
		}
	} else {
		f = fixture.Generate(fixture.DefaultGenerateConfig(src.FixtureSeed))
	}
	if q := p.Merchant.Quota; q > 0 {
		for i := range f.Merchants {
			m := &f.Merchants[i]
			if m.MchID == p.Merchant.MchID || p.Merchant.MchID == "" && m.Tier == p.Merchant.Tier {
				t, _ := platform.ParseTier(m.Tier)
				if err := t.CheckQuotaSetting(q); err != nil {
					return nil, fmt.Errorf("%w: merchant.quota: %w", ErrPlan, err)
				}
				m.Quota = q
				break
			}
		}
	}
	return f, nil
}

// resolve finds the merchant, its key and the users from the plan and the
// fixture (given, read from a file, or generated from FixtureSeed).
func resolve(p *Plan, fix *fixture.Fixture, shard, shards int, getenv func(string) string, now func() time.Time) (credentials, identities, error) {
	var cred credentials
	var ids identities
	fail := func(format string, a ...any) (credentials, identities, error) {
		return cred, ids, fmt.Errorf("%w: "+format, append([]any{ErrCredentials}, a...)...)
	}
	m, src := p.Merchant, p.Identities
	useFixture := src.OpenIDs == "" && src.Fake == 0
	if !useFixture {
		fix = nil
	} else if fix == nil {
		if src.Fixture != "" {
			f, err := fixture.LoadFile(src.Fixture)
			if err != nil {
				return fail("identities.fixture: %w", err)
			}
			fix = f
		} else {
			fix = fixture.Generate(fixture.DefaultGenerateConfig(src.FixtureSeed))
		}
	}

	// The merchant.
	var fm *fixture.Merchant
	if fix != nil {
		switch {
		case m.MchID != "":
			if fm = fix.Merchant(m.MchID); fm == nil {
				return fail("merchant.mchid %q is not in the fixture", m.MchID)
			}
		case m.Tier != "":
			for i := range fix.Merchants {
				if fix.Merchants[i].Tier == m.Tier {
					fm = &fix.Merchants[i]
					break
				}
			}
			if fm == nil {
				return fail("the fixture has no %s merchant", m.Tier)
			}
		default:
			return fail("merchant: set tier or mchid to pick the fixture's merchant")
		}
	}
	cred.mchID, cred.appID, cred.stockID, cred.quota = m.MchID, m.AppID, m.StockID, m.Quota
	if fm != nil {
		cred.mchID = fm.MchID
		if cred.appID == "" && len(fm.AppIDs) > 0 {
			cred.appID = fm.AppIDs[0]
		}
		if !slices.Contains(fm.AppIDs, cred.appID) {
			return fail("merchant.appid %q is not one of merchant %s's appids (R13)", cred.appID, fm.MchID)
		}
		if cred.stockID == "" {
			for _, s := range fix.Stocks {
				if s.MchID == fm.MchID && s.Started {
					cred.stockID = s.StockID
					break
				}
			}
		}
		if cred.quota == 0 {
			cred.quota = fm.DailyQuota()
		}
	}
	if cred.quota == 0 && m.Tier != "" {
		if t, err := platform.ParseTier(m.Tier); err == nil {
			cred.quota = t.Quota(m.Quota)
		}
	}
	if cred.mchID == "" || cred.appID == "" {
		return fail("merchant: set mchid and appid (or use a fixture)")
	}

	// The key: a file or an environment variable, else the fixture's.
	var secret []byte
	switch {
	case m.KeyFile != "":
		b, err := os.ReadFile(m.KeyFile)
		if err != nil {
			return fail("merchant.key_file: %w", err)
		}
		secret = b
	case m.KeyEnv != "":
		v := getenv(m.KeyEnv)
		if v == "" {
			return fail("merchant.key_env: environment variable %s is empty or not set", m.KeyEnv)
		}
		secret = []byte(v)
	}
	serial := m.Serial
	var err error
	switch m.Scheme {
	case SchemeRSA:
		if secret == nil {
			return fail("merchant: rsa signing needs the private key in key_file or key_env")
		}
		key, perr := sign.ParsePrivateKeyPEM(secret)
		if perr != nil {
			return fail("merchant key: %w", perr)
		}
		if serial == "" && fm != nil {
			for _, k := range fm.Keys {
				if k.RSAPublicKey != "" {
					serial = k.Serial
					break
				}
			}
		}
		if serial == "" {
			return fail("merchant.serial: no RSA key serial given or in the fixture")
		}
		cred.signer, err = sign.NewRSA(cred.mchID, serial, key, now)
	default:
		key := bytes.TrimSpace(secret)
		if secret == nil && fm != nil {
			for _, k := range fm.Keys {
				if k.HMAC != "" && (serial == "" || serial == k.Serial) {
					serial, key = k.Serial, []byte(k.HMAC)
					break
				}
			}
		}
		if len(key) == 0 {
			return fail("merchant: no HMAC key: set key_file or key_env, or use a fixture merchant with an HMAC key")
		}
		if serial == "" {
			return fail("merchant.serial: the key's serial number is needed")
		}
		cred.signer, err = sign.NewHMAC(cred.mchID, serial, key, now)
	}
	if err != nil {
		return fail("merchant: %w", err)
	}

	// The users.
	var all []*user
	switch {
	case fix != nil:
		for _, u := range fix.UsersOf(cred.appID) {
			all = append(all, &user{openID: u.OpenID, appID: u.AppID, bankCard: u.BankCard, realName: u.RealName, member: u.Member, known: true})
		}
	case src.OpenIDs != "":
		f, err := os.Open(src.OpenIDs)
		if err != nil {
			return fail("identities.openids: %w", err)
		}
		all, err = readOpenIDs(f, cred.appID)
		f.Close()
		if err != nil {
			return fail("identities.openids: %s: %w", src.OpenIDs, err)
		}
	default:
		all = fakeUsers(src.Fake, cred.appID, p.Seed)
	}
	if src.Limit > 0 && len(all) > src.Limit {
		all = all[:src.Limit]
	}
	if shards > 1 {
		var mine []*user
		for i, u := range all {
			if i%shards == shard {
				mine = append(mine, u)
			}
		}
		all = mine
	}
	if len(all) == 0 {
		return fail("no users for appid %s", cred.appID)
	}
	ids.all = all
	ids.byID = make(map[string]*user, len(all))
	for i, u := range all {
		u.index = i
		ids.byID[u.openID] = u
	}

	// Groups take their users in plan order; the rest serve phases that
	// name no group.
	ids.groups = map[string][]*user{}
	taken := make([]bool, len(all))
	for _, g := range p.Groups {
		for i, u := range all {
			if len(ids.groups[g.Name]) == g.Count {
				break
			}
			if !taken[i] && u.meets(g.Require) {
				taken[i] = true
				ids.groups[g.Name] = append(ids.groups[g.Name], u)
			}
		}
		if got := len(ids.groups[g.Name]); got < g.Count {
			return fail("group %s needs %d users meeting %v, only %d are left of %d", g.Name, g.Count, g.Require, got, len(all))
		}
	}
	for i, u := range all {
		if !taken[i] {
			ids.rest = append(ids.rest, u)
		}
	}
	return cred, ids, nil
}

// readOpenIDs reads a CSV of openid[,appid] lines; a first line starting
// with "openid" is a header. Users without an appid get appID.
func readOpenIDs(r io.Reader, appID string) ([]*user, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var out []*user
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(rec) == 0 || rec[0] == "" || line == 1 && strings.EqualFold(rec[0], "openid") {
			continue
		}
		if len(out) >= MaxRequests {
			return nil, fmt.Errorf("more than %d openids", MaxRequests)
		}
		u := &user{openID: rec[0], appID: appID}
		if len(rec) > 1 && rec[1] != "" {
			u.appID = rec[1]
		}
		if !validID(u.openID) || !validID(u.appID) {
			return nil, fmt.Errorf("line %d: openid and appid must be 1 to 128 printable ASCII characters without spaces", line)
		}
		out = append(out, u)
	}
	return out, nil
}

// validID reports whether s can stand in a URL path and a JSON string.
func validID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == '"' || c == '\\' || c == '/' || c == '?' || c == '#' || c == '%' {
			return false
		}
	}
	return true
}

// fakeUsers makes n synthetic openids bound to appID with gofakeit, seeded
// from seed.
func fakeUsers(n int, appID string, seed uint64) []*user {
	fk := gofakeit.NewFaker(rand.NewPCG(seed, seed^0x6f70656e6964), false)
	out := make([]*user, n)
	for i := range out {
		out[i] = &user{openID: "o" + fk.LetterN(27), appID: appID}
	}
	return out
}
