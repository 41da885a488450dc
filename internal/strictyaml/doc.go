// Package strictyaml is the kit every strict YAML input of giftsim is read
// with: a size limit applied while reading (so /dev/zero or a huge file
// costs no more than the limit), a guarded parse (UTF-8 text only, the
// parser's panics become errors, no anchors or aliases, bounded nesting,
// one document only) and one positioned error type, Error, that names the
// file, line, column and field of a problem and what is allowed.
//
// Scenario files and profiles (package scenarios), load plans (package
// loadgen) and fixtures (package platform/fixture) are read with it, and
// calibration data files share its error type and bounded read. SyntaxLine
// is the one place that reads a position out of the YAML library's error
// text, which carries no structured position.
package strictyaml
