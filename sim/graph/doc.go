// Package graph builds and measures undirected friend graphs for the simulator.
//
// A Graph is stored in compressed sparse row (CSR) form: one offsets array and
// one array of neighbour ids, with no per-node allocations. Node ids are int32
// values 0..N()-1, and every neighbour list is sorted ascending, without self
// loops or duplicates.
//
// The generators BarabasiAlbert, WattsStrogatz and StochasticBlock take an
// explicit *rand.Rand from math/rand/v2 and never use the global generator, so
// the same seed always yields the identical graph. FromEdges builds a Graph
// from an edge list, and ReadEdgeList parses one from a CSV or whitespace
// separated file.
//
// Invalid arguments are reported as errors that wrap the sentinels
// ErrInvalidArgument, ErrTooLarge, ErrNodeRange and ErrSyntax, so callers can
// test them with errors.Is. Parse errors are *ParseError values that name the
// input and the line.
package graph
