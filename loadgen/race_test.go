//go:build race

package loadgen_test

// raceEnabled is set when the race detector is on.
const raceEnabled = true
