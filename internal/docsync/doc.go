// Package docsync keeps a generated block of a documentation file in step
// with the code that generates it: the field reference in docs/SCENARIOS.md
// and the parameter table in docs/MODEL.md are written by tests, between
// marker comments, and checked by the same tests.
package docsync
