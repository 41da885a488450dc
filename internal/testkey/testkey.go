package testkey

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
)

// RSA returns a 2048-bit RSA key, the same one on every call in a process.
var RSA = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})
