//go:build !race

package calibrate

// raceEnabled is true when the race detector slows every run several times.
const raceEnabled = false
