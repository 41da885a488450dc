//go:build race

package scenarios

// slowdown scales time bounds: the race detector slows parsing about tenfold.
const slowdown = 10
