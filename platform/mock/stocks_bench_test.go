package mock

import (
	"context"
	"strconv"
	"testing"
	"time"

	"giftsim/platform"
)

// BenchmarkStoreSend measures one send through the memory store alone, the
// path the stock's status and limits checks were added to.
//
//	go test -run '^$' -bench StoreSend -count 5 ./platform/mock
func BenchmarkStoreSend(b *testing.B) {
	f := testFixture(b, 2000, 1<<30)
	st, err := NewMemoryStore(f)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close(context.Background())
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, platform.Beijing)
	ids := make([]string, 2000)
	for i := range ids {
		ids[i] = "u" + strconv.Itoa(10000 + i)[1:]
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		// Spread over users and hours so no risk rule (R16) binds.
		op := SendOp{MchID: mchFiled, AppID: appFiled, OpenID: ids[i%len(ids)], StockID: "api",
			OutRequestNo: strconv.Itoa(i), Now: now.Add(time.Duration(i/len(ids)) * 2 * time.Hour)}
		if _, _, err := st.Send(ctx, op); err != nil {
			b.Fatal(err)
		}
	}
}
