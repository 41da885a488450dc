package mock

import (
	"fmt"
	"time"

	"giftsim/platform"
	"giftsim/platform/api"
	"giftsim/platform/sign"
)

// v3Certificates answers GET /v3/certificates: the platform certificate,
// sealed with the calling merchant's APIv3 key (AEAD_AES_256_GCM,
// associated data "certificate", a fresh nonce each time). The answer is
// signed under the certificate's serial unless the request asks for the
// public-key id (answerWriter), so the official SDK's downloader, which
// checks later downloads with the certificates it got before, accepts it
// in either mode.
func (s *Server) v3Certificates(c *call) (any, error) {
	mch := c.mchID
	if mch == "" { // auth none: the Authorization header's mchid, unchecked
		if h, err := sign.ParseHeader(c.r.Header.Get("Authorization")); err == nil {
			mch = h.MchID
		}
	}
	if mch == "" {
		return nil, fmt.Errorf("%w: name the merchant in the Authorization header's mchid", platform.ErrInvalid)
	}
	key := s.apiV3Key(mch)
	if key == nil {
		return nil, fmt.Errorf("%w: merchant %q has no APIv3 key to encrypt certificates with (fixture merchants[].apiv3_key)", platform.ErrNotFound, mch)
	}
	pk, err := s.resp.platform()
	if err != nil {
		return nil, fmt.Errorf("platform identity: %w", err)
	}
	enc, err := sign.Seal(key, sign.RandomNonce(sign.NonceLen), api.AssociatedDataCertificate, pk.CertPEM)
	if err != nil {
		return nil, fmt.Errorf("seal certificate: %w", err)
	}
	return api.Certificates{Data: []api.Certificate{{
		SerialNo:           pk.Serial,
		EffectiveTime:      pk.Certificate.NotBefore.In(platform.Beijing).Format(time.RFC3339),
		ExpireTime:         pk.Certificate.NotAfter.In(platform.Beijing).Format(time.RFC3339),
		EncryptCertificate: enc,
	}}}, nil
}
