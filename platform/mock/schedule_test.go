package mock

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"giftsim/platform"
	"giftsim/platform/api"
	"giftsim/platform/fixture"
)

// schedule asks for a send of stock to openid at slot.
func (h *harness) schedule(openid, stock, no string, slot time.Time) reply {
	h.t.Helper()
	return h.do(h.signer, "POST", api.PathScheduledSends, map[string]string{"openid": openid, "stock_id": stock, "appid": appFiled,
		"stock_creator_mchid": mchFiled, "out_request_no": no, "send_time": slot.Format(time.RFC3339)})
}

// scheduled lists the filed merchant's scheduled sends.
func (h *harness) scheduled(query string) api.ScheduledSendList {
	h.t.Helper()
	r := h.do(h.signer, "GET", api.PathScheduledSends+"?stock_creator_mchid="+mchFiled+"&limit=100"+query, nil)
	want(h.t, r, 200, "")
	var l api.ScheduledSendList
	if err := json.Unmarshal([]byte(r.raw), &l); err != nil {
		h.t.Fatal(err)
	}
	return l
}

// TestScheduledSends schedules sends in one slot against a quota of 3:
// they execute once, at the slot, through the live send's rules, and a
// cancelled one never does.
func TestScheduledSends(t *testing.T) {
	f := testFixture(t, 10, 3)
	st, _ := NewMemoryStore(f)
	testScheduledSends(t, f, st)
}

// testScheduledSends is TestScheduledSends on st (a store for f, whose
// filed merchant's quota is 3); redis_test.go runs it on Redis.
func testScheduledSends(t *testing.T, f *fixture.Fixture, st Store) {
	h := fastHarness(t, f, st, 4800*time.Millisecond, CallbackConfig{}) // a slot lasts 100 ms
	clock := h.srv.Clock()
	slot := platform.NextSlot(clock.Now().Add(2 * platform.SlotLength))

	want(t, h.schedule("u0000", "api", "bad", slot.Add(15*time.Minute)), 400, "PARAM_ERROR")
	want(t, h.schedule("u0000", "api", "bad", platform.SlotStart(clock.Now())), 400, "PARAM_ERROR")
	r := h.do(h.signer, "POST", api.PathScheduledSends, map[string]string{"openid": "u0000", "stock_id": "api", "appid": appFiled,
		"stock_creator_mchid": mchFiled, "out_request_no": "bad", "send_time": "tomorrow"})
	want(t, r, 400, "PARAM_ERROR")
	want(t, h.schedule("u0000", "nope", "bad", slot), 404, "RESOURCE_NOT_EXISTS")
	want(t, h.schedule("c0000", "api", "bad", slot), 403, "RULE_LIMIT") // R13

	var ids []string
	for i, u := range []string{"u0000", "u0001", "u0002", "u0003", "u0004"} {
		r := h.schedule(u, "api", "s"+u, slot)
		want(t, r, 200, "")
		if r.str("status") != api.ScheduleWaiting || r.str("send_time") != slot.Format(time.RFC3339) {
			t.Fatalf("schedule %d answered %s", i, r.raw)
		}
		ids = append(ids, r.str("schedule_id"))
	}
	// The same request again replays; another under the same key is refused.
	if r := h.schedule("u0000", "api", "su0000", slot); r.str("schedule_id") != ids[0] {
		t.Errorf("replay answered %s", r.raw)
	}
	want(t, h.schedule("u0009", "api", "su0000", slot), 400, "RESOURCE_ALREADY_EXISTS")
	// Cancel two ways; cancelling again is harmless.
	want(t, h.do(h.signer, "POST", api.CancelScheduledSendPath("", ids[1]), map[string]string{"stock_creator_mchid": mchFiled}), 200, "")
	r = h.do(h.signer, "DELETE", api.ScheduledSendPath("", ids[4])+"?stock_creator_mchid="+mchFiled, nil)
	want(t, r, 200, "")
	if r.str("status") != api.ScheduleCancelled {
		t.Errorf("cancel answered %s", r.raw)
	}
	want(t, h.do(h.signer, "DELETE", api.ScheduledSendPath("", ids[4]), nil), 200, "")
	if l := h.scheduled("&status=SCHEDULED"); l.TotalCount != 3 {
		t.Errorf("%d waiting, want 3", l.TotalCount)
	}

	// One live send uses a third of the quota before the slot (R11).
	want(t, h.send("u0009", "api", "live"), 200, "")
	waitFor(t, "the slot", func() bool { return len(h.scheduled("&status=SCHEDULED").Data) == 0 })
	time.Sleep(50 * time.Millisecond) // nothing executes twice
	l := h.scheduled("")
	if l.TotalCount != 5 {
		t.Fatalf("%d scheduled sends listed, want 5", l.TotalCount)
	}
	sent, failed := 0, 0
	for _, sd := range l.Data {
		switch sd.Status {
		case api.ScheduleSent:
			sent++
			if sd.CouponID == "" {
				t.Errorf("sent without a coupon: %+v", sd)
			}
			ex, _ := time.Parse(time.RFC3339, sd.ExecuteTime)
			if ex.Before(slot) {
				t.Errorf("executed at %s, before its slot %s", ex, slot)
			}
			want(t, h.coupon(sd.OpenID, sd.CouponID), 200, "")
		case api.ScheduleFailed:
			failed++
			if sd.ErrorCode != "FREQUENCY_LIMITED" || !strings.Contains(sd.ErrorMessage, "R11") {
				t.Errorf("failed send: %+v, want FREQUENCY_LIMITED (R11)", sd)
			}
		case api.ScheduleCancelled:
			if sd.CouponID != "" || sd.ExecuteTime != "" {
				t.Errorf("a cancelled send executed: %+v", sd)
			}
		}
	}
	if sent != 2 || failed != 1 {
		t.Errorf("sent %d, failed %d; want 2 and 1 (quota 3, one used live)", sent, failed)
	}
	us, _ := st.Usage(context.Background(), clock.Now())
	if us[0].Used != 3 {
		t.Errorf("quota used %d, want 3", us[0].Used)
	}
	// An executed send cannot be cancelled.
	want(t, h.do(h.signer, "POST", api.CancelScheduledSendPath("", ids[0]), map[string]string{}), 403, "RULE_LIMIT")
	want(t, h.do(h.signer, "GET", api.ScheduledSendPath("", "SCH-999"), nil), 404, "RESOURCE_NOT_EXISTS")
}

// TestScheduledSendSurvivesRestart schedules in a file store, stops before
// the slot, and sees the next start execute it once.
func TestScheduledSendSurvivesRestart(t *testing.T) {
	f := testFixture(t, 4, 0)
	dir := t.TempDir()
	day := 4800 * time.Millisecond
	open := func() *harness {
		st, err := OpenFileStore(context.Background(), dir, f)
		if err != nil {
			t.Fatal(err)
		}
		return fastHarness(t, f, st, day, CallbackConfig{})
	}
	h := open()
	slot := platform.NextSlot(h.srv.Clock().Now().Add(4 * platform.SlotLength)) // at least 200 ms away
	r := h.schedule("u0000", "api", "later", slot)
	want(t, r, 200, "")
	id := r.str("schedule_id")
	if err := h.srv.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.hs.Close()
	if err := h.store.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !h.srv.Clock().Now().Before(slot) {
		t.Skip("the machine is too slow: the slot came before the restart")
	}
	h2 := open()
	var sd api.ScheduledSend
	waitFor(t, "the slot after restart", func() bool {
		r := h2.do(h2.signer, "GET", api.ScheduledSendPath("", id)+"?stock_creator_mchid="+mchFiled, nil)
		_ = json.Unmarshal([]byte(r.raw), &sd)
		return sd.Status != api.ScheduleWaiting
	})
	if sd.Status != api.ScheduleSent || sd.CouponID == "" {
		t.Fatalf("after restart: %+v", sd)
	}
	// The out_request_no is the send's: a live send with it replays the coupon.
	if r := h2.send("u0000", "api", "later"); r.str("coupon_id") != sd.CouponID {
		t.Errorf("live send with the scheduled key answered %s, want coupon %s", r.raw, sd.CouponID)
	}
}
