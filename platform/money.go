package platform

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Money is an amount in fen (1/100 CNY). Integer fen keep face values and
// fees exact, so conservation of face value can be checked to the fen.
type Money int64

// CNY returns m yuan as Money.
func CNY(yuan float64) Money { return Money(math.Round(yuan * 100)) }

// Yuan returns m in yuan.
func (m Money) Yuan() float64 { return float64(m) / 100 }

// String formats m as yuan with two decimals, e.g. "20.00".
func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// ParseMoney reads an amount in yuan such as "20", "19.9" or "0.05".
func ParseMoney(s string) (Money, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "CNY"))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("money %q: want an amount in yuan such as 20 or 19.90", s)
	}
	if math.Abs(f) > 1e12 {
		return 0, fmt.Errorf("money %q: out of range", s)
	}
	return CNY(f), nil
}

// RecoveryFee is the fee to revive a recycled coupon: 1% of its face value,
// rounded half up to the fen (R14).
func RecoveryFee(face Money) Money {
	if face <= 0 {
		return 0
	}
	return (face + 50) / 100
}
