package scenarios

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"giftsim/internal/strictyaml"
	"giftsim/platform"
	"giftsim/results"
)

// valueKind is the YAML shape of a field's value; it drives messages, the
// JSON Schema and the reference table.
type valueKind int

// The value kinds.
const (
	kindInt      valueKind = iota // a whole number within lo..hi
	kindFloat                     // a number within lo..hi
	kindBool                      // true or false
	kindText                      // free text of at most hi characters
	kindChoice                    // one of enum
	kindDuration                  // "7d", "48h", "30m" within lo..hi seconds
	kindMoney                     // yuan within lo..hi
	kindTime                      // RFC 3339 with offset
	kindClock                     // "HH:MM"
	kindWeights                   // 24 numbers within lo..hi
	kindChoices                   // a list of at most hi of enum
	kindList                      // a list of at most hi objects (campaign)
	kindRecords                   // a list of at most hi mappings of the fields in items, all required
)

// spec is what the reference, the schema and messages know about a field.
type spec struct {
	name   string    // name is the path from the table's root, e.g. "coupon.validity".
	doc    string    // doc is one or two sentences for the reference.
	kind   valueKind // kind is the YAML shape.
	enum   []string  // enum lists the allowed names of a choice.
	lo, hi float64   // lo and hi bound numbers, durations (seconds), lengths or counts.
	items  []spec    // items are the fields of each entry of a kindRecords list.
}

// field is one entry of a field table: its spec, how to read a YAML value
// into a *T and how to write it back.
type field[T any] struct {
	spec
	decode func(d *decoder, path string, n *yaml.Node, t *T)
	encode func(t *T) *yaml.Node
	// number is the value as a number in the kind's unit (numberUnit); nil
	// for a value that is not one, such as a choice.
	number func(t *T) float64
}

// numberUnit is the unit field.number measures a kind in, as results
// carry it beside a swept value's text; "" when the kind has no number.
func numberUnit(k valueKind) string {
	switch k {
	case kindInt, kindFloat:
		return results.UnitNumber
	case kindDuration:
		return results.UnitSeconds
	case kindMoney:
		return results.UnitCNY
	case kindClock:
		return results.UnitMinuteOfDay
	}
	return ""
}

// scalar returns a plain scalar node with the given tag.
func scalar(value, tag string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
}

// flowSeq returns a flow-style sequence of nodes.
func flowSeq(items []*yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle, Content: items}
}

// number returns a scalar for v that reads back as exactly v.
func number(v float64) *yaml.Node {
	s := strconv.FormatFloat(v, 'g', -1, 64)
	if strings.ContainsAny(s, ".e") {
		return scalar(s, "!!float")
	}
	return scalar(s, "!!int")
}

// describe names what a node holds, for "got …" in messages.
func describe(n *yaml.Node) string { return strictyaml.Describe(n) }

// group writes n with thousands separators, e.g. 50,000,000.
func group(n int64) string { return results.FormatCount(n) }

func numText(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return group(int64(v))
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// The readers below check a node's shape and range, report a problem at the
// node and say whether the value is usable.

func (d *decoder) readInt(path string, n *yaml.Node, lo, hi int64) (int64, bool) {
	want := fmt.Sprintf("want a whole number from %s to %s", group(lo), group(hi))
	var v int64
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
			d.fail(n, path, "%s, got %s (too large)", want, describe(n))
		} else {
			d.fail(n, path, "%s, got %s", want, describe(n))
		}
		return 0, false
	}
	if v < lo || v > hi {
		d.fail(n, path, "%s, got %s", want, group(v))
		return 0, false
	}
	return v, true
}

func (d *decoder) readFloat(path string, n *yaml.Node, lo, hi float64) (float64, bool) {
	want := fmt.Sprintf("want a number from %s to %s", numText(lo), numText(hi))
	var v float64
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") || n.Decode(&v) != nil {
		d.fail(n, path, "%s, got %s", want, describe(n))
		return 0, false
	}
	if !(v >= lo && v <= hi) {
		d.fail(n, path, "%s, got %s", want, n.Value)
		return 0, false
	}
	return v, true
}

func (d *decoder) readBool(path string, n *yaml.Node) (bool, bool) {
	var v bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		d.fail(n, path, "want true or false, got %s", describe(n))
		return false, false
	}
	return v, true
}

func (d *decoder) readText(path string, n *yaml.Node, max int) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
			d.fail(n, path, "want text, got %s; put it in quotes", describe(n))
		} else {
			d.fail(n, path, "want text, got %s", describe(n))
		}
		return "", false
	}
	if utf8.RuneCountInString(n.Value) > max {
		d.fail(n, path, "want at most %d characters, got %d", max, utf8.RuneCountInString(n.Value))
		return "", false
	}
	return n.Value, true
}

func (d *decoder) readChoice(path string, n *yaml.Node, names []string) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		if i := slices.Index(names, n.Value); i >= 0 {
			return i, true
		}
	}
	d.fail(n, path, "want one of %s; got %s", strings.Join(names, ", "), describe(n))
	return 0, false
}

func (d *decoder) readDuration(path string, n *yaml.Node, lo, hi time.Duration) (time.Duration, bool) {
	var v time.Duration
	err := errors.New("not text")
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		v, err = platform.ParseDuration(n.Value)
	}
	switch {
	case err != nil:
		d.fail(n, path, "want a duration such as 7d, 48h or 30m, got %s", describe(n))
	case v < lo || v > hi:
		d.fail(n, path, "want a duration from %s to %s, got %s", platform.FormatDuration(lo), platform.FormatDuration(hi), n.Value)
	default:
		return v, true
	}
	return 0, false
}

func (d *decoder) readMoney(path string, n *yaml.Node, lo, hi platform.Money) (platform.Money, bool) {
	want := fmt.Sprintf("want an amount in CNY from %s to %s", numText(lo.Yuan()), numText(hi.Yuan()))
	tag := n.ShortTag()
	if n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float" && tag != "!!str") {
		d.fail(n, path, "%s, got %s", want, describe(n))
		return 0, false
	}
	v, err := platform.ParseMoney(n.Value)
	if err != nil || v < lo || v > hi {
		d.fail(n, path, "%s, got %s", want, describe(n))
		return 0, false
	}
	return v, true
}

// zone returns the location for a UTC offset: +08:00 maps to the default
// start's zone (Beijing time, "CST"), so a start written out reads back
// identical.
func zone(offset int) *time.Location {
	if offset == 8*3600 {
		return platform.Beijing
	}
	return time.FixedZone("", offset)
}

func (d *decoder) readTime(path string, n *yaml.Node) (time.Time, bool) {
	const want = "want a date and time in RFC 3339 form such as 2026-03-02T00:00:00+08:00"
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!str" && n.ShortTag() != "!!timestamp") {
		d.fail(n, path, "%s, got %s", want, describe(n))
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, n.Value)
	if err != nil || t.Year() < 2000 || t.Year() > 2100 {
		d.fail(n, path, "%s (years 2000 to 2100), got %s", want, describe(n))
		return time.Time{}, false
	}
	_, off := t.Zone()
	return t.In(zone(off)), true
}

// recordRE matches a path to an entry of a list field, or to a field of
// the entry: coupon.tiers[1], coupon.tiers[1].face_value.
var recordRE = regexp.MustCompile(`^([a-z_.]+)\[([0-9]{1,4})\](?:\.([a-z_]+))?$`)

var clockRE = regexp.MustCompile(`^([01]?[0-9]|2[0-3]):([0-5][0-9])$`)

func (d *decoder) readClock(path string, n *yaml.Node) (time.Duration, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		if m := clockRE.FindStringSubmatch(n.Value); m != nil {
			h, _ := strconv.Atoi(m[1])
			mi, _ := strconv.Atoi(m[2])
			return time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute, true
		}
	}
	d.fail(n, path, "want a time of day from \"00:00\" to \"23:59\", got %s", describe(n))
	return 0, false
}

func clockText(v time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(v/time.Hour), int(v%time.Hour/time.Minute))
}

// readSeq checks n is a list of at most max items (exactly max when exact).
func (d *decoder) readSeq(path string, n *yaml.Node, max int, exact bool) bool {
	switch {
	case n.Kind != yaml.SequenceNode:
		d.fail(n, path, "want a list, got %s", describe(n))
	case exact && len(n.Content) != max:
		d.fail(n, path, "want a list of exactly %d numbers, got %d", max, len(n.Content))
	case len(n.Content) > max:
		d.fail(n, path, "want a list of at most %d items, got %d", max, len(n.Content))
	default:
		return true
	}
	return false
}

// The constructors below make fields of the table; p points into the *T
// that the field reads and writes.

func intField[T any](name, doc string, lo, hi int, p func(*T) *int) field[T] {
	return field[T]{
		spec: spec{name: name, doc: doc, kind: kindInt, lo: float64(lo), hi: float64(hi)},
		decode: func(d *decoder, path string, n *yaml.Node, t *T) {
			if v, ok := d.readInt(path, n, int64(lo), int64(hi)); ok {
				*p(t) = int(v)
			}
		},
		encode: func(t *T) *yaml.Node { return scalar(strconv.Itoa(*p(t)), "!!int") },
		number: func(t *T) float64 { return float64(*p(t)) },
	}
}

func floatField[T any](name, doc string, lo, hi float64, p func(*T) *float64) field[T] {
	return field[T]{
		spec: spec{name: name, doc: doc, kind: kindFloat, lo: lo, hi: hi},
		decode: func(d *decoder, path string, n *yaml.Node, t *T) {
			if v, ok := d.readFloat(path, n, lo, hi); ok {
				*p(t) = v
			}
		},
		encode: func(t *T) *yaml.Node { return number(*p(t)) },
		number: func(t *T) float64 { return *p(t) },
	}
}

func boolField[T any](name, doc string, p func(*T) *bool) field[T] {
	return field[T]{
		spec: spec{name: name, doc: doc, kind: kindBool},
		decode: func(d *decoder, path string, n *yaml.Node, t *T) {
			if v, ok := d.readBool(path, n); ok {
				*p(t) = v
			}
		},
		encode: func(t *T) *yaml.Node { return scalar(strconv.FormatBool(*p(t)), "!!bool") },
	}
}

func textField[T any](name, doc string, max int, p func(*T) *string) field[T] {
	return field[T]{
		spec: spec{name: name, doc: doc, kind: kindText, hi: float64(max)},
		decode: func(d *decoder, path string, n *yaml.Node, t *T) {
			if v, ok := d.readText(path, n, max); ok {
				*p(t) = v
			}
		},
		encode: func(t *T) *yaml.Node { return scalar(*p(t), "!!str") },
	}
}

// choiceField reads one of names into a string stored as values[i]
// (values nil: the names themselves).
func choiceField[T any](name, doc string, names, values []string, p func(*T) *string) field[T] {
	if values == nil {
		values = names
	}
	return field[T]{
		spec: spec{name: name, doc: doc, kind: kindChoice, enum: names},
		decode: func(d *decoder, path string, n *yaml.Node, t *T) {
			if i, ok := d.readChoice(path, n, names); ok {
				*p(t) = values[i]
			}
		},
		encode: func(t *T) *yaml.Node {
			if i := slices.Index(values, *p(t)); i >= 0 {
				return scalar(names[i], "!!str")
			}
			return scalar(*p(t), "!!str")
		},
	}
}

// enum is one of the platform's small enums.
type enum interface {
	~uint8
	String() string
}

func enumField[T any, E enum](name, doc string, names []string, parse func(string) (E, error), p func(*T) *E) field[T] {
	return field[T]{
		spec: spec{name: name, doc: doc, kind: kindChoice, enum: names},
		decode: func(d *decoder, path string, n *yaml.Node, t *T) {
			if i, ok := d.readChoice(path, n, names); ok {
				if v, err := parse(names[i]); err == nil {
					*p(t) = v
				}
			}
		},
		encode: func(t *T) *yaml.Node { return scalar((*p(t)).String(), "!!str") },
	}
}

func enumsField[T any, E enum](name, doc string, max int, names []string, parse func(string) (E, error), p func(*T) *[]E) field[T] {
	return field[T]{
		spec: spec{name: name, doc: doc, kind: kindChoices, enum: names, hi: float64(max)},
		decode: func(d *decoder, path string, n *yaml.Node, t *T) {
			out, ok := readList(d, path, n, max, func(path string, item *yaml.Node) (E, bool) {
				j, good := d.readChoice(path, item, names)
				v, err := parse(names[j])
				return v, good && err == nil
			})
			if ok {
				*p(t) = out // an empty list reads as nil, like the default
			}
		},
		encode: func(t *T) *yaml.Node {
			items := make([]*yaml.Node, 0, len(*p(t)))
			for _, v := range *p(t) {
				items = append(items, scalar(v.String(), "!!str"))
			}
			return flowSeq(items)
		},
	}
}

func durationField[T any](name, doc string, lo, hi time.Duration, p func(*T) *time.Duration) field[T] {
	return field[T]{
		spec: spec{name: name, doc: doc, kind: kindDuration, lo: lo.Seconds(), hi: hi.Seconds()},
		decode: func(d *decoder, path string, n *yaml.Node, t *T) {
			if v, ok := d.readDuration(path, n, lo, hi); ok {
				*p(t) = v
			}
		},
		encode: func(t *T) *yaml.Node { return scalar(platform.FormatDuration(*p(t)), "!!str") },
		number: func(t *T) float64 { return (*p(t)).Seconds() },
	}
}

func moneyField[T any](name, doc string, lo, hi platform.Money, p func(*T) *platform.Money) field[T] {
	return field[T]{
		spec: spec{name: name, doc: doc, kind: kindMoney, lo: lo.Yuan(), hi: hi.Yuan()},
		decode: func(d *decoder, path string, n *yaml.Node, t *T) {
			if v, ok := d.readMoney(path, n, lo, hi); ok {
				*p(t) = v
			}
		},
		encode: func(t *T) *yaml.Node { return number((*p(t)).Yuan()) },
		number: func(t *T) float64 { return (*p(t)).Yuan() },
	}
}

func timeField[T any](name, doc string, p func(*T) *time.Time) field[T] {
	return field[T]{
		spec: spec{name: name, doc: doc, kind: kindTime},
		decode: func(d *decoder, path string, n *yaml.Node, t *T) {
			if v, ok := d.readTime(path, n); ok {
				*p(t) = v
			}
		},
		encode: func(t *T) *yaml.Node { return scalar((*p(t)).Format(time.RFC3339), "!!str") },
	}
}

func clockField[T any](name, doc string, p func(*T) *time.Duration) field[T] {
	return field[T]{
		spec: spec{name: name, doc: doc, kind: kindClock},
		decode: func(d *decoder, path string, n *yaml.Node, t *T) {
			if v, ok := d.readClock(path, n); ok {
				*p(t) = v
			}
		},
		encode: func(t *T) *yaml.Node { return scalar(clockText(*p(t)), "!!str") },
		number: func(t *T) float64 { return (*p(t)).Minutes() },
	}
}

func weightsField[T any](name, doc string, p func(*T) *[24]float64) field[T] {
	const hi = 999999
	return field[T]{
		spec: spec{name: name, doc: doc, kind: kindWeights, lo: 0, hi: hi},
		decode: func(d *decoder, path string, n *yaml.Node, t *T) {
			if !d.readSeq(path, n, 24, true) {
				return
			}
			var w [24]float64
			ok := true
			for i, item := range n.Content {
				v, good := d.readFloat(fmt.Sprintf("%s[%d]", path, i), item, 0, hi)
				w[i], ok = v, ok && good
			}
			if ok {
				*p(t) = w
			}
		},
		encode: func(t *T) *yaml.Node {
			items := make([]*yaml.Node, 24)
			for i, v := range *p(t) {
				items[i] = number(v)
			}
			return flowSeq(items)
		},
	}
}

// recordsField reads a list of at most max mappings into a []E. Each entry
// must give every field of items, and nothing else; example shows one entry
// in messages. An empty list reads as nil, like the default.
func recordsField[T, E any](name, doc string, max int, what, example string, items []field[E], p func(*T) *[]E) field[T] {
	specs := make([]spec, len(items))
	for i, it := range items {
		specs[i] = it.spec
	}
	return field[T]{
		spec: spec{name: name, doc: doc, kind: kindRecords, hi: float64(max), items: specs},
		decode: func(d *decoder, path string, n *yaml.Node, t *T) {
			out, ok := readList(d, path, n, max, func(path string, item *yaml.Node) (E, bool) {
				var e E
				good := readRecord(d, path, what, example, item, items, &e)
				return e, good
			})
			if ok {
				*p(t) = out
			}
		},
		encode: func(t *T) *yaml.Node {
			entries := make([]*yaml.Node, 0, len(*p(t)))
			for i := range *p(t) {
				m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
				for _, it := range items {
					m.Content = append(m.Content, scalar(it.name, "!!str"), it.encode(&(*p(t))[i]))
				}
				entries = append(entries, m)
			}
			return flowSeq(entries)
		},
	}
}

// readList reads the sequence n of at most max entries, each with item at
// its own path (path[i]). It reports whether the list and every entry are
// valid; an empty list reads as nil.
func readList[E any](d *decoder, path string, n *yaml.Node, max int, item func(path string, n *yaml.Node) (E, bool)) ([]E, bool) {
	if !d.readSeq(path, n, max, false) {
		return nil, false
	}
	var out []E
	ok := true
	for i, it := range n.Content {
		v, good := item(fmt.Sprintf("%s[%d]", path, i), it)
		out = append(out, v)
		ok = ok && good
	}
	return out, ok
}

// readRecord reads the mapping n into e: every field of items, once, and no
// other. It records where the entry and its fields are, so problems the
// simulator finds with them are reported there, and reports whether the
// entry is complete and valid.
func readRecord[E any](d *decoder, path, what, example string, n *yaml.Node, items []field[E], e *E) bool {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want %s such as %s, got %s", what, example, describe(n))
		return false
	}
	d.pos[path] = n
	before := d.failed
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = it.name
	}
	seen := map[string]bool{}
	d.walk(path, what, n, names, func(key string, k, v *yaml.Node) {
		full := path + "." + key
		d.mark(full, k, v)
		seen[key] = true
		items[slices.Index(names, key)].decode(d, full, v, e)
	})
	var missing []string
	for _, name := range names {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 && d.failed == before {
		d.fail(n, path, "want %s, such as %s; missing %s", strings.Join(names, " and "), example, strings.Join(missing, " and "))
	}
	return d.failed == before
}

// number returns the value at path in c as a number in its unit
// (numberUnit); ok is false for a value that is not a number, such as a
// choice or a list.
func (t *table) number(path string, c *config) (x float64, unit string, ok bool) {
	if f := t.field(path); f != nil {
		if f.number == nil {
			return 0, "", false
		}
		return f.number(c), numberUnit(f.kind), true
	}
	m := indexRE.FindStringSubmatch(path)
	if m == nil || m[1] != "campaign" || m[3] == "" {
		return 0, "", false
	}
	i, _ := strconv.Atoi(m[2])
	f := t.pushField(m[3])
	if i >= len(c.Campaign) || f == nil || f.number == nil {
		return 0, "", false
	}
	return f.number(&c.Campaign[i]), numberUnit(f.kind), true
}
