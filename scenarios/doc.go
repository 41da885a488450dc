// Package scenarios reads, checks and writes giftsim scenario files.
//
// A scenario file is strict YAML (docs/SCENARIOS.md is the reference). It is
// decoded into a yaml.Node tree, so every value keeps its line and column,
// and walked against one field table that also generates the JSON Schema
// (Schema), the canonical YAML (Scenario.Marshal) and the field reference in
// docs/SCENARIOS.md. Every field defaults to sim.DefaultConfig.
//
// Arms, sweeps and --set overrides (Scenario.Set) all work the same way: a
// path such as coupon.validity and a YAML value applied through the table to
// a copy of the base config. Each arm's config is then checked with
// sim.Config.Validate and sim.Config.CheckCompliance, whose problems are
// *sim.FieldError values naming their fields, so each is placed where the
// file (or the --set flag) set one; every problem comes back at once as an
// Errors list of *Error values that name file, line, column, field path and
// the DOMAIN.md rule id.
//
// The study sections levers:, objective: and constraints: (Scenario.Study)
// say what giftsim sensitivity and giftsim optimize vary and pursue; every
// lever's ends or levels are checked on the first arm as an override would
// be (and again after Set), and objectives and constraints are linear
// combinations of KPIs (ParseExpr, ParseConstraint). Sensitivity, optimize
// and calibration set their points on the scenario too: FirstArm, Point.
//
// Hostile input is refused in bounded time and memory by the strict-YAML
// kit (internal/strictyaml), whose Error and Errors these are: files over
// MaxFileSize, text that is not UTF-8, a second YAML document, YAML anchors
// and aliases (billion laughs) and nesting deeper than MaxDepth.
package scenarios
