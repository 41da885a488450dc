// Package testkey holds the RSA merchant key tests sign requests with,
// generated once per test binary, so each package's tests need not make
// their own.
package testkey
