// Package results defines the result types that the simulator writes
// (results.json), the load driver writes (summary.json, one Load per run)
// and the report renderer reads, so reports need not import the simulator
// or the driver. It owns their encoding and file names (EncodeLoad,
// DecodeLoad, LoadSummaryFile …) and the logic that belongs to the results
// themselves: merging several hosts' load runs (MergeLoad, with the exact
// mixture of their latency curves), ratio intervals and bounds, and the
// count and duration formats every report shares.
package results
