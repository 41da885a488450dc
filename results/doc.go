// Package results defines the plain, JSON-serialisable result types that the
// simulator writes (results.json) and the report renderer reads. It holds no
// logic beyond small helpers, so reports need not import the simulator.
package results
