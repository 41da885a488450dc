//go:build race

package mock

// raceEnabled says the race detector is on: the full-size load tests skip.
const raceEnabled = true
