// Package redistest starts a real redis-server for tests: Start runs one on
// a free loopback port with persistence off and a data directory of its
// own, waits until it answers PING, and stops it when the test ends.
//
// When the redis-server binary is missing the test is skipped with a
// message saying how to install it, unless GIFTSIM_REQUIRE_REDIS=1 (as in
// CI, .ci/run), which turns the skip into a failure.
package redistest
