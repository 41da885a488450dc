package api

// PathCallbacks is the voucher notify-URL route: POST sets a merchant's
// notify URL (SetCallbackRequest → SetCallbackReply), GET reads it
// (?mchid=…, → Callback).
const PathCallbacks = "/v3/marketing/favor/callbacks"

// SetCallbackRequest is the body of POST PathCallbacks. Switch is optional:
// absent or true turns notifications on, false turns them off.
type SetCallbackRequest struct {
	MchID     string `json:"mchid"`
	NotifyURL string `json:"notify_url"`
	Switch    *bool  `json:"switch,omitempty"`
}

// SetCallbackReply is the answer to POST PathCallbacks.
type SetCallbackReply struct {
	UpdateTime string `json:"update_time"`
	NotifyURL  string `json:"notify_url"`
}

// Callback is the answer to GET PathCallbacks. Switch is giftsim's own:
// whether notifications are on.
type Callback struct {
	MchID     string `json:"mchid"`
	NotifyURL string `json:"notify_url"`
	Switch    bool   `json:"switch"`
}

// The notification event types. EventCouponUse is the platform's; the
// gift events are giftsim's own (the real voucher API sends no gift
// notifications), named in the platform's RESOURCE.EVENT style.
const (
	EventCouponUse         = "COUPON.USE"         // EventCouponUse: a coupon was redeemed.
	EventCouponGiftOffer   = "COUPON.GIFT_OFFER"  // EventCouponGiftOffer: a holder offered a coupon to a friend (C1).
	EventCouponGiftClaim   = "COUPON.GIFT_CLAIM"  // EventCouponGiftClaim: the recipient claimed the offer (R9).
	EventCouponGiftRefuse  = "COUPON.GIFT_REFUSE" // EventCouponGiftRefuse: the recipient refused it (R15).
	EventCouponGiftReturn  = "COUPON.GIFT_RETURN" // EventCouponGiftReturn: an offer unclaimed for 48 h went back to the sender (R9).
	ResourceTypeEncrypted  = "encrypt-resource"   // ResourceTypeEncrypted is a notification's resource_type.
	ResourceOriginalCoupon = "coupon"             // ResourceOriginalCoupon is the resource's original_type and associated_data.
)

// Notification is the body the platform POSTs to a notify URL; Resource
// holds the event's CouponEvent, sealed with the merchant's APIv3 key
// (AEAD_AES_256_GCM, package platform/sign).
type Notification struct {
	ID           string               `json:"id"`
	CreateTime   string               `json:"create_time"`
	EventType    string               `json:"event_type"`
	ResourceType string               `json:"resource_type"`
	Summary      string               `json:"summary"`
	Resource     NotificationResource `json:"resource"`
}

// NotificationResource is a notification's encrypted resource: the
// fields of sign.Encrypted in the platform's order.
type NotificationResource struct {
	OriginalType   string `json:"original_type"`
	Algorithm      string `json:"algorithm"`
	Ciphertext     string `json:"ciphertext"`
	AssociatedData string `json:"associated_data"`
	Nonce          string `json:"nonce"`
}

// CouponEvent is the decrypted resource of a notification: the coupon
// view (the fields of the platform's coupon-use notification, then
// giftsim's lifecycle detail) and, for a use, consume_information.
type CouponEvent struct {
	Coupon
	ConsumeInformation *ConsumeInformation `json:"consume_information,omitempty"`
}

// ConsumeInformation says where and when a coupon was used. giftsim has
// no payments, so TransactionID is a made-up id derived from the coupon.
type ConsumeInformation struct {
	ConsumeTime   string `json:"consume_time"`
	ConsumeMchID  string `json:"consume_mchid"`
	TransactionID string `json:"transaction_id"`
}
