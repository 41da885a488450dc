//go:build race

package main

// raceEnabled reports whether the race detector is on; slow end-to-end
// tests skip under it (.ci/run runs them without).
const raceEnabled = true
