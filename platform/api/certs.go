package api

import "giftsim/platform/sign"

// PathCertificates is GET: the platform certificates, each encrypted with
// the calling merchant's APIv3 key.
const PathCertificates = "/v3/certificates"

// AssociatedDataCertificate is the associated data of an encrypted
// platform certificate.
const AssociatedDataCertificate = "certificate"

// Certificates is the answer to GET PathCertificates.
type Certificates struct {
	Data []Certificate `json:"data"`
}

// Certificate is one platform certificate: its serial (upper-case hex),
// validity in RFC 3339 and the PEM text sealed with the merchant's APIv3
// key (sign.Seal, associated data AssociatedDataCertificate).
type Certificate struct {
	SerialNo           string         `json:"serial_no"`
	EffectiveTime      string         `json:"effective_time"`
	ExpireTime         string         `json:"expire_time"`
	EncryptCertificate sign.Encrypted `json:"encrypt_certificate"`
}
