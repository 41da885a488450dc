package platform

// Kind is a coupon kind (seed section 2).
type Kind uint8

// The coupon kinds.
const (
	KindCashRedPacket  Kind = iota + 1 // R1 现金红包
	KindDiscount                       // R2 折扣券
	KindPointsExchange                 // R3 积分兑换券
	KindCombo                          // R4 组合礼包
)

var kindNames = []string{"", "cash-red-packet", "discount", "points-exchange", "combo"}

// Kinds lists every kind in order.
func Kinds() []Kind { return []Kind{KindCashRedPacket, KindDiscount, KindPointsExchange, KindCombo} }

// KindNames lists the names ParseKind accepts.
func KindNames() []string { return kindNames[1:] }

// String returns the kind's name as used in scenario files.
func (k Kind) String() string { return enumString(kindNames, uint8(k)) }

// ParseKind reads a kind name such as "discount".
func ParseKind(s string) (Kind, error) { return parseEnum[Kind]("coupon kind", s, kindNames) }

// KindRule is the row of seed table 2 for one kind.
type KindRule struct {
	Rule      string // Rule is the DOMAIN.md id.
	Giftable  bool   // Giftable says whether a holder may gift it at all.
	MaxFace   Money  // MaxFace bounds the face value (0: no kind-specific bound).
	MinSpend  Money  // MinSpend is the least minimum-spend threshold (0: none).
	Transfers int    // Transfers is the most onward transfers allowed (-1: per sub-coupon).
	Redeemer  string // Redeemer says who may redeem it.
}

// RuleOfKind returns the platform's rule for k.
func RuleOfKind(k Kind) KindRule {
	switch k {
	case KindCashRedPacket:
		return KindRule{Rule: "R1", Giftable: false, MaxFace: CNY(200), Transfers: 0, Redeemer: "recipient only"}
	case KindDiscount:
		return KindRule{Rule: "R2", Giftable: true, MinSpend: CNY(50), Transfers: 1, Redeemer: "any consumer"}
	case KindPointsExchange:
		return KindRule{Rule: "R3", Giftable: true, MaxFace: CNY(500), Transfers: 0, Redeemer: "member account"}
	case KindCombo:
		return KindRule{Rule: "R4", Giftable: true, MaxFace: CNY(1000), Transfers: -1, Redeemer: "per sub-coupon"}
	}
	return KindRule{Rule: "R1-R4"}
}

// Category is a coupon's goods category, which R5–R7 restrict.
type Category uint8

// The categories that rules single out, plus general.
const (
	CategoryGeneral       Category = iota + 1
	CategoryTobacco                // R5: never giftable
	CategoryMedicalDevice          // R5: never giftable
	CategoryEducation              // R6: transfer needs real-name verification
	CategoryGold                   // R7: separate review
	CategoryLuxury                 // R7: separate review
)

var categoryNames = []string{"", "general", "tobacco", "medical-device", "education", "gold", "luxury"}

// String returns the category's name as used in scenario files.
func (c Category) String() string { return enumString(categoryNames, uint8(c)) }

// CategoryNames lists the names ParseCategory accepts.
func CategoryNames() []string { return categoryNames[1:] }

// ParseCategory reads a category name such as "education".
func ParseCategory(s string) (Category, error) {
	return parseEnum[Category]("category", s, categoryNames)
}

// Forbidden reports whether coupons of c may never be gifted (R5).
func (c Category) Forbidden() bool { return c == CategoryTobacco || c == CategoryMedicalDevice }

// NeedsReview reports whether c goes through the separate review (R7).
func (c Category) NeedsReview() bool { return c == CategoryGold || c == CategoryLuxury }

// ManualReviewAbove is the face value above which a coupon needs manual
// review before issue (R7).
const ManualReviewAbove = Money(5000 * 100)

// Industry is a merchant's industry (seed section 7).
type Industry uint8

// The industries of seed section 7.
const (
	IndustryCatering Industry = iota + 1
	IndustryRetail
	IndustryLifeServices
	IndustryFinance
)

var industryNames = []string{"", "catering", "retail-ecommerce", "life-services", "finance"}

// String returns the industry's name as used in scenario files.
func (i Industry) String() string { return enumString(industryNames, uint8(i)) }

// IndustryNames lists the names ParseIndustry accepts.
func IndustryNames() []string { return industryNames[1:] }

// ParseIndustry reads an industry name such as "catering".
func ParseIndustry(s string) (Industry, error) {
	return parseEnum[Industry]("industry", s, industryNames)
}
