package scenarios

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"giftsim/platform"
)

// Patterns the JSON Schema gives for string values (ECMAScript and RE2
// alike).
const (
	durationPattern = `^([0-9]+(\.[0-9]+)?d)?([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))*$`
	moneyPattern    = `^[0-9]+(\.[0-9]+)? ?(CNY)?$`
	clockPattern    = `^([01]?[0-9]|2[0-3]):[0-5][0-9]$`
	sweepKeyPattern = `^campaign\[[0-9]+\](\.[a-z_]+)?$`
)

// experimentSpecs documents the experiment's own fields, for the schema and
// the reference; Parse reads them.
func experimentSpecs() []spec {
	return []spec{
		{name: "name", kind: kindText, hi: maxName, doc: "The scenario's name, shown in reports. Default: the file name without .yaml."},
		{name: "question", kind: kindText, hi: maxText, doc: "The strategy question the scenario answers."},
		{name: "seed", kind: kindInt, lo: 0, hi: 1<<63 - 1, doc: "Seed of the random streams; the same seed gives byte-identical results. Default: 1."},
		{name: "replications", doc: "Replications per arm: a count from 1 to 10,000, or a precision target {min, max, kpi, half_width} that adds replications until the 95% interval of kpi is at most half_width wide on each side in every arm. Default: 10; a target defaults to min 10, max 100, kpi redemption_rate, half_width 0.5."},
		{name: "profile", kind: kindText, hi: maxText, doc: "A behavioural profile file written by giftsim calibrate (relative to this file) to start the behaviour from, instead of the shipped scenarios/profiles/default.yaml; behaviour fields still override it."},
		{name: "arms", doc: "A/B/n arms: a list of {name, <any config field>}; each arm is the base with its fields overridden. Without arms or sweep the base runs as the single arm \"base\"."},
		{name: "sweep", doc: "One or two fields to vary, each with a list of values; every combination becomes an arm named field=value. Keys are paths such as coupon.validity or campaign[0].push_at."},
		{name: "levers", doc: "Levers for giftsim sensitivity and giftsim optimize: paths --set accepts, each with a range low..high (numbers, durations such as 3d..30d, times of day such as 10:00..20:00) or a list of levels (categories). A lever may not vary a field an arm or the sweep sets."},
		{name: "objective", doc: "What giftsim optimize pursues: {maximize: EXPR} or {minimize: EXPR}, EXPR a KPI id or a sum such as redeemed - 0.5*cost (a range lever's path counts its value: durations in days, times of day in hours); indifference: the smallest difference worth telling apart; second: {maximize|minimize: EXPR} for a Pareto front of two objectives."},
		{name: "constraints", doc: "Bounds giftsim optimize must keep, each \"EXPR <= NUMBER\" or \"EXPR >= NUMBER\", such as \"cost <= 20000\"."},
	}
}

// Schema returns the JSON Schema (draft-07) of scenario files, generated
// from the field table the decoder uses.
func Schema() []byte {
	tab := newTable()
	def := defaultConfig()
	defs := map[string]any{}
	props := map[string]any{}
	configProps := map[string]any{}
	for _, sp := range experimentSpecs() {
		props[sp.name] = experimentSchema(tab, sp)
	}
	// Sections become nested objects; top-level sections are definitions
	// so arms can refer to them.
	objects := map[string]map[string]any{"": configProps}
	object := func(name string) map[string]any {
		if o, ok := objects[name]; ok {
			return o
		}
		o := map[string]any{}
		objects[name] = o
		return o
	}
	for _, f := range tab.fields {
		parent, key := "", f.name
		if i := strings.LastIndexByte(f.name, '.'); i >= 0 {
			parent, key = f.name[:i], f.name[i+1:]
		}
		object(parent)[key] = leafSchema(tab, f.spec, f.encode(&def))
	}
	for i := len(tab.sections) - 1; i >= 0; i-- {
		s := tab.sections[i]
		obj := map[string]any{"type": "object", "additionalProperties": false, "description": s.doc, "properties": objects[s.name]}
		parent, key := "", s.name
		if j := strings.LastIndexByte(s.name, '.'); j >= 0 {
			parent, key = s.name[:j], s.name[j+1:]
		}
		if parent == "" {
			defs[key] = obj
			object(parent)[key] = map[string]any{"$ref": "#/definitions/" + key}
		} else {
			object(parent)[key] = obj
		}
	}
	dp := defaultPush()
	entry := map[string]any{}
	for _, f := range tab.push {
		entry[f.name] = leafSchema(tab, f.spec, f.encode(&dp))
	}
	defs["campaign_entry"] = map[string]any{"type": "object", "additionalProperties": false, "properties": entry,
		"description": "One push of the campaign; fields left out keep the default push's values."}
	armProps := map[string]any{"name": map[string]any{"type": "string", "minLength": 1, "maxLength": maxName, "description": "The arm's name, unique within the scenario."}}
	for k, v := range configProps {
		props[k] = v
		armProps[k] = v
	}
	defs["arm"] = map[string]any{"type": "object", "additionalProperties": false, "required": []string{"name"}, "properties": armProps}
	doc := map[string]any{
		"$schema":              "http://json-schema.org/draft-07/schema#",
		"title":                "giftsim scenario",
		"description":          "A giftsim scenario file (docs/SCENARIOS.md). Every field has a default.",
		"type":                 "object",
		"additionalProperties": false,
		"properties":           props,
		"definitions":          defs,
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err) // maps of strings, numbers and slices always marshal
	}
	return append(b, '\n')
}

// experimentSchema is the schema of one of the experiment's own fields.
func experimentSchema(tab *table, sp spec) map[string]any {
	switch sp.name {
	case "replications":
		return map[string]any{"description": sp.doc, "default": defaultReps, "oneOf": []any{
			map[string]any{"type": "integer", "minimum": 1, "maximum": maxReps},
			map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
				"min":        map[string]any{"type": "integer", "minimum": 1, "maximum": maxReps, "default": defaultReps},
				"max":        map[string]any{"type": "integer", "minimum": 1, "maximum": maxReps, "default": defaultMaxReps},
				"kpi":        map[string]any{"type": "string", "enum": kpiNames(), "default": defaultKPI},
				"half_width": map[string]any{"type": "number", "exclusiveMinimum": 0, "default": defaultHalfWidth},
			}},
		}}
	case "arms":
		return map[string]any{"description": sp.doc, "type": "array", "minItems": 1, "maxItems": maxArms, "items": map[string]any{"$ref": "#/definitions/arm"}}
	case "levers":
		return map[string]any{"description": sp.doc, "type": "object", "minProperties": 1, "maxProperties": maxLevers,
			"propertyNames":        map[string]any{"anyOf": []any{map[string]any{"enum": tab.paths()}, map[string]any{"pattern": sweepKeyPattern}}},
			"additionalProperties": map[string]any{"oneOf": []any{map[string]any{"type": "string", "pattern": `^.+\.\..+$`}, map[string]any{"type": "array", "minItems": 2, "maxItems": maxLevels}}}}
	case "objective":
		one := func(second bool) map[string]any {
			props := map[string]any{
				"maximize":     map[string]any{"type": "string", "maxLength": maxExprLen},
				"minimize":     map[string]any{"type": "string", "maxLength": maxExprLen},
				"indifference": map[string]any{"type": "number", "exclusiveMinimum": 0},
			}
			o := map[string]any{"type": "object", "additionalProperties": false, "properties": props,
				"oneOf": []any{map[string]any{"required": []string{"maximize"}}, map[string]any{"required": []string{"minimize"}}}}
			if second {
				props["second"] = map[string]any{"type": "object"}
			}
			return o
		}
		o := one(true)
		o["description"] = sp.doc
		o["properties"].(map[string]any)["second"] = one(false)
		return o
	case "constraints":
		return map[string]any{"description": sp.doc, "type": "array", "maxItems": maxConstraints,
			"items": map[string]any{"type": "string", "maxLength": maxExprLen, "pattern": "(<=|>=|≤|≥)"}}
	case "sweep":
		return map[string]any{"description": sp.doc, "type": "object", "minProperties": 1, "maxProperties": 2,
			"propertyNames":        map[string]any{"anyOf": []any{map[string]any{"enum": tab.paths()}, map[string]any{"pattern": sweepKeyPattern}}},
			"additionalProperties": map[string]any{"type": "array", "minItems": 1, "maxItems": maxValues}}
	}
	return leafSchema(tab, sp, nil)
}

// leafSchema is the schema of one field; def is its default, if any.
func leafSchema(tab *table, sp spec, def *yaml.Node) map[string]any {
	s := map[string]any{"description": sp.doc}
	if def != nil {
		s["default"] = nodeJSON(def)
		if sp.kind != kindList && sp.kind != kindWeights {
			s["description"] = fmt.Sprintf("%s Default: %s.", sp.doc, showDefault(def))
		}
	}
	switch sp.kind {
	case kindInt:
		s["type"], s["minimum"], s["maximum"] = "integer", intBound(sp.lo), intBound(sp.hi)
	case kindFloat:
		s["type"], s["minimum"], s["maximum"] = "number", sp.lo, sp.hi
	case kindBool:
		s["type"] = "boolean"
	case kindText:
		s["type"], s["maxLength"] = "string", int(sp.hi)
	case kindChoice:
		s["type"], s["enum"] = "string", sp.enum
	case kindDuration:
		s["type"], s["pattern"], s["minLength"] = "string", durationPattern, 1
	case kindMoney:
		s["type"], s["minimum"], s["maximum"], s["pattern"] = []string{"number", "string"}, sp.lo, sp.hi, moneyPattern
	case kindTime:
		s["type"], s["format"] = "string", "date-time"
	case kindClock:
		s["type"], s["pattern"] = "string", clockPattern
	case kindWeights:
		s["type"], s["minItems"], s["maxItems"] = "array", 24, 24
		s["items"] = map[string]any{"type": "number", "minimum": sp.lo, "maximum": sp.hi}
	case kindChoices:
		s["type"], s["maxItems"] = "array", int(sp.hi)
		s["items"] = map[string]any{"type": "string", "enum": sp.enum}
	case kindList:
		s["type"], s["maxItems"] = "array", int(sp.hi)
		s["items"] = map[string]any{"$ref": "#/definitions/campaign_entry"}
	case kindRecords:
		props := map[string]any{}
		required := make([]string, len(sp.items))
		for i, it := range sp.items {
			props[it.name], required[i] = leafSchema(tab, it, nil), it.name
		}
		s["type"], s["maxItems"] = "array", int(sp.hi)
		s["items"] = map[string]any{"type": "object", "additionalProperties": false, "required": required, "properties": props}
	}
	return s
}

// intBound converts an integer bound kept as float64 back, saturating at
// the int64 range (the seed's maximum does not survive float64 exactly).
func intBound(f float64) int64 {
	if f >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(f)
}

// nodeJSON converts an encoded value to the JSON value it stands for.
func nodeJSON(n *yaml.Node) any {
	switch n.Kind {
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = nodeJSON(c)
		}
		return out
	case yaml.MappingNode:
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = nodeJSON(n.Content[i+1])
		}
		return out
	}
	switch n.Tag {
	case "!!int", "!!float":
		f, _ := strconv.ParseFloat(n.Value, 64)
		return f
	case "!!bool":
		return n.Value == "true"
	}
	return n.Value
}

func showDefault(n *yaml.Node) string {
	t := nodeText(n)
	if t == "" {
		return `""`
	}
	return t
}

// typeText describes a field's values for the reference.
func typeText(sp spec) string {
	switch sp.kind {
	case kindInt:
		return fmt.Sprintf("whole number %s to %s", numText(sp.lo), numText(sp.hi))
	case kindFloat:
		return fmt.Sprintf("number %s to %s", numText(sp.lo), numText(sp.hi))
	case kindBool:
		return "true or false"
	case kindText:
		return fmt.Sprintf("text, at most %s characters", numText(sp.hi))
	case kindChoice:
		return "one of " + codeList(sp.enum)
	case kindDuration:
		if sp.lo == 0 && secs(sp.hi) >= 3650*24*time.Hour {
			return "duration"
		}
		return fmt.Sprintf("duration %s to %s", platform.FormatDuration(secs(sp.lo)), platform.FormatDuration(secs(sp.hi)))
	case kindMoney:
		return fmt.Sprintf("CNY %s to %s", numText(sp.lo), numText(sp.hi))
	case kindTime:
		return "RFC 3339 date and time"
	case kindClock:
		return "time of day `\"HH:MM\"`"
	case kindWeights:
		return fmt.Sprintf("list of 24 numbers %s to %s", numText(sp.lo), numText(sp.hi))
	case kindChoices:
		return fmt.Sprintf("list of at most %s of %s", numText(sp.hi), codeList(sp.enum))
	case kindList:
		return fmt.Sprintf("list of at most %s entries", numText(sp.hi))
	case kindRecords:
		names := make([]string, len(sp.items))
		for i, it := range sp.items {
			names[i] = it.name
		}
		return fmt.Sprintf("list of at most %s `{%s}`", numText(sp.hi), strings.Join(names, ", "))
	}
	return ""
}

func codeList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "`" + n + "`"
	}
	return strings.Join(q, ", ")
}

// Markers around the generated reference in docs/SCENARIOS.md.
const (
	referenceBegin = "<!-- fields:begin (generated by go test ./scenarios -run TestReference -update) -->"
	referenceEnd   = "<!-- fields:end -->"
)

// experimentDefault is the reference's default column for an experiment
// field.
func experimentDefault(name string) string {
	switch name {
	case "name":
		return "file name"
	case "seed":
		return "`1`"
	case "replications":
		return "`10`"
	case "profile":
		return "`" + DefaultProfileFile + "`"
	}
	return "none"
}

// reference writes the field reference as Markdown tables, one per section.
func reference() string {
	tab := newTable()
	def := defaultConfig()
	var b strings.Builder
	row := func(name, typ, dflt, doc string) {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", name, typ, dflt, strings.ReplaceAll(doc, "|", `\|`))
	}
	head := func(title, doc string) {
		fmt.Fprintf(&b, "\n### %s\n\n", title)
		if doc != "" {
			b.WriteString(doc + "\n\n")
		}
		b.WriteString("| field | values | default | meaning |\n|---|---|---|---|\n")
	}
	head("Experiment", "The experiment's own fields; arms cannot override them.")
	for _, sp := range experimentSpecs() {
		typ := typeText(sp)
		switch sp.name {
		case "replications":
			typ = "count, or `{min, max, kpi, half_width}`; kpi one of " + codeList(kpiNames())
		case "seed":
			typ = "whole number 0 to 2⁶³−1"
		case "arms":
			typ = fmt.Sprintf("list of at most %d arms", maxArms)
		case "sweep":
			typ = fmt.Sprintf("1 or 2 fields, each with at most %d values; at most %d arms", maxValues, maxArms)
		case "levers":
			typ = fmt.Sprintf("at most %d paths, each `low..high` or a list of 2 to %d levels", maxLevers, maxLevels)
		case "objective":
			typ = "`{maximize: EXPR}` or `{minimize: EXPR}`, optional `indifference`, `second`"
		case "constraints":
			typ = fmt.Sprintf("list of at most %d bounds `EXPR <= NUMBER` or `EXPR >= NUMBER`", maxConstraints)
		}
		row(sp.name, typ, experimentDefault(sp.name), sp.doc)
	}
	section := "-"
	for _, f := range tab.fields {
		s := sectionOf(tab, f.name)
		if f.kind == kindList {
			s = f.name
		}
		if s != section {
			section = s
			doc := ""
			for _, sec := range tab.sections {
				if sec.name == s {
					doc = sec.doc
				}
			}
			title := s
			if s == "" {
				title = "Top level"
			}
			head(title, doc)
		}
		d := "`" + showDefault(f.encode(&def)) + "`"
		if f.kind == kindList {
			d = "one `official-account` push"
		}
		row(f.name, typeText(f.spec), d, f.doc)
		for _, it := range f.items {
			row(f.name+"[]."+it.name, typeText(it), "required", it.doc)
		}
	}
	head("campaign entries", "Each entry of `campaign` starts from the default push (the values below), so it names only what differs.")
	dp := defaultPush()
	for _, f := range tab.push {
		row("campaign[]."+f.name, typeText(f.spec), "`"+showDefault(f.encode(&dp))+"`", f.doc)
	}
	return b.String()
}

// sectionOf is the section holding field name ("" at the top level).
func sectionOf(tab *table, name string) string {
	best := ""
	for _, s := range tab.sections {
		if strings.HasPrefix(name, s.name+".") && len(s.name) > len(best) {
			best = s.name
		}
	}
	return best
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
