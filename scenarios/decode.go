package scenarios

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"giftsim/internal/strictyaml"
	"giftsim/sim"
)

// MaxFileSize is the largest scenario file read, in bytes.
const MaxFileSize = 1 << 20

// MaxDepth is the deepest nesting of YAML collections accepted.
const MaxDepth = 32

// limits are the strict-YAML kit's bounds for a scenario file.
var limits = strictyaml.Limits{MaxSize: MaxFileSize, MaxDepth: MaxDepth, What: "a scenario file",
	Empty: "a scenario needs at least a name and a campaign (see giftsim examples)"}

// parseYAML checks with the strict-YAML kit that data is a small UTF-8 text
// holding one YAML document without aliases and returns the document's
// root node. The error is an Errors.
func parseYAML(file string, data []byte) (*yaml.Node, error) {
	n, err := strictyaml.Parse(file, data, limits)
	return n, asErrors(err)
}

// asErrors lists the kit's error as a scenario's Errors.
func asErrors(err error) error {
	if e, ok := errors.AsType[*Error](err); ok {
		return Errors{e}
	}
	return err
}

// decoder applies YAML values to configs through the table. It records
// where each path was set (for messages about the config as a whole) and
// which fields were set (an arm's settings).
type decoder struct {
	file     string
	tab      *table
	errs     *collector
	pos      map[string]*yaml.Node // pos maps a path to the node that set it.
	bad      map[string]bool       // bad holds the paths whose value was refused.
	touched  []string              // touched lists the fields set, in order.
	replaced []string              // replaced lists the lists set whole (campaign, coupon.tiers).
	failed   int                   // failed counts the problems reported through this decoder.
}

func newDecoder(file string, tab *table, errs *collector) *decoder {
	return &decoder{file: file, tab: tab, errs: errs, pos: map[string]*yaml.Node{}, bad: map[string]bool{}}
}

// sub returns a decoder for an arm: same file and errors, own records.
func (d *decoder) sub() *decoder { return newDecoder(d.file, d.tab, d.errs) }

// fail records a problem at node n (nil: no position).
func (d *decoder) fail(n *yaml.Node, path, format string, a ...any) {
	d.failed++
	d.bad[path] = true
	if i := strings.LastIndexByte(path, '['); i > 0 && strings.HasSuffix(path, "]") {
		d.bad[path[:i]] = true // a bad list item leaves the whole list unset
	}
	e := &Error{File: d.file, Path: path, Msg: fmt.Sprintf(format, a...)}
	if n != nil {
		e.Line, e.Col = n.Line, n.Column
	}
	d.errs.add(e, "")
}

// mark records where path was set: a scalar's value, else its key.
func (d *decoder) mark(path string, k, v *yaml.Node) {
	at := v
	if k != nil && v.Kind != yaml.ScalarNode {
		at = k
	}
	d.pos[path] = at
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// walk calls fn for each key of the mapping n in order, after checking it is
// one of allowed and given once. A null value reads as an empty mapping.
func (d *decoder) walk(path, what string, n *yaml.Node, allowed []string, fn func(key string, k, v *yaml.Node)) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping of fields (%s), got %s", strings.Join(allowed, ", "), describe(n))
		return
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.fail(k, path, "a key must be a plain field name, got %s", describe(k))
			continue
		}
		full := join(path, k.Value)
		if first, ok := seen[k.Value]; ok {
			d.fail(k, full, "given twice; first at line %d", first.Line)
			continue
		}
		seen[k.Value] = k
		if !slices.Contains(allowed, k.Value) || k.ShortTag() == "!!merge" {
			if d.errs.full() {
				d.errs.dropped++ // skip the suggestion's cost once the list is full
				continue
			}
			if msg, ok := movedFields[k.Value]; ok && (path == "" || what == "an arm") {
				d.fail(k, full, "%s", msg)
				continue
			}
			d.fail(k, full, "unknown field%s (%s has: %s)", suggest(k.Value, allowed), what, strings.Join(allowed, ", "))
			continue
		}
		fn(k.Value, k, v)
	}
}

// suggest returns "; did you mean X?" for the allowed name closest to name.
func suggest(name string, allowed []string) string {
	best, bestD := "", 3
	for _, a := range allowed {
		if d := editDistance(strings.ToLower(name), a); d < bestD {
			best, bestD = a, d
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean " + best + "?"
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var indexRE = regexp.MustCompile(`^([a-z_]+)\[([0-9]{1,4})\](?:\.(.+))?$`)

// apply sets the field or section at path from v; k is v's key, if any.
func (d *decoder) apply(path string, k, v *yaml.Node, c *config) {
	d.mark(path, k, v)
	if f := d.tab.field(path); f != nil {
		if f.kind == kindList || f.kind == kindRecords {
			d.replaced = append(d.replaced, path)
		}
		f.decode(d, path, v, c)
		d.touched = append(d.touched, path)
		return
	}
	if d.tab.isSection(path) {
		d.walk(path, path, v, d.tab.children(path), func(key string, kk, vv *yaml.Node) {
			d.apply(join(path, key), kk, vv, c)
		})
		return
	}
	if m := indexRE.FindStringSubmatch(path); m != nil && m[1] == "campaign" {
		i, _ := strconv.Atoi(m[2])
		if i >= len(c.Campaign) {
			d.fail(v, path, "%s", noEntry(path, len(c.Campaign)))
			return
		}
		entry := fmt.Sprintf("campaign[%d]", i)
		if m[3] == "" {
			d.pushEntry(entry, v, &c.Campaign[i])
			for j := 0; v.Kind == yaml.MappingNode && j+1 < len(v.Content); j += 2 {
				if d.tab.pushField(v.Content[j].Value) != nil {
					d.touched = append(d.touched, entry+"."+v.Content[j].Value)
				}
			}
			return
		}
		if f := d.tab.pushField(m[3]); f != nil {
			f.decode(d, path, v, &c.Campaign[i])
			d.touched = append(d.touched, path)
			return
		}
		d.fail(v, path, "unknown field%s (a campaign entry has: %s)", suggest(m[3], d.tab.pushNames()), strings.Join(d.tab.pushNames(), ", "))
		return
	}
	if list, ok := d.tab.listOf(path); ok {
		d.fail(v, path, "one entry of %s cannot be set on its own; set the whole list", list)
		return
	}
	if msg, ok := movedFields[path]; ok {
		d.fail(v, path, "%s", msg)
		return
	}
	d.fail(v, path, "unknown field%s", suggest(path, d.tab.paths()))
}

// listOf returns the list field that path indexes into, such as
// coupon.tiers for coupon.tiers[0].face_value: a list other than campaign,
// whose entries are set only with the whole list.
func (t *table) listOf(path string) (string, bool) {
	m := recordRE.FindStringSubmatch(path)
	if m == nil {
		return "", false
	}
	f := t.field(m[1])
	if f == nil || (f.kind != kindRecords && f.kind != kindChoices && f.kind != kindWeights) {
		return "", false
	}
	return f.name, true
}

// noEntry says that the campaign entry path indexes does not exist.
func noEntry(path string, n int) string {
	entries := "entries"
	if n == 1 {
		entries = "entry"
	}
	entry, _, _ := strings.Cut(path, ".")
	return fmt.Sprintf("the campaign has %d %s, so there is no %s", n, entries, entry)
}

// pushEntry reads the mapping n into the campaign entry p.
func (d *decoder) pushEntry(path string, n *yaml.Node, p *sim.Push) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "want a mapping such as {channel: official-account, sends_per_day: 1000}, got %s", describe(n))
		return
	}
	d.pos[path] = n
	d.walk(path, "a campaign entry", n, d.tab.pushNames(), func(key string, k, v *yaml.Node) {
		full := path + "." + key
		d.mark(full, k, v)
		d.tab.pushField(key).decode(d, full, v, p)
	})
}

// paths lists every path apply accepts without an index.
func (t *table) paths() []string {
	var out []string
	for _, s := range t.sections {
		out = append(out, s.name)
	}
	for _, f := range t.fields {
		out = append(out, f.name)
	}
	return out
}

// encodeAt writes the value at path in c; ok is false for an unknown path.
func (t *table) encodeAt(path string, c *config) (*yaml.Node, bool) {
	if f := t.field(path); f != nil {
		return f.encode(c), true
	}
	if t.isSection(path) {
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
		for _, key := range t.children(path) {
			v, _ := t.encodeAt(join(path, key), c)
			m.Content = append(m.Content, scalar(key, "!!str"), v)
		}
		return m, true
	}
	if m := indexRE.FindStringSubmatch(path); m != nil && m[1] == "campaign" {
		i, _ := strconv.Atoi(m[2])
		if i >= len(c.Campaign) {
			return nil, false
		}
		if m[3] == "" {
			return t.encodePush(&c.Campaign[i]), true
		}
		if f := t.pushField(m[3]); f != nil {
			return f.encode(&c.Campaign[i]), true
		}
	}
	return nil, false
}

// text is the value at path in c as one line of YAML, e.g. "7d".
func (t *table) text(path string, c *config) string {
	n, ok := t.encodeAt(path, c)
	if !ok {
		return ""
	}
	return nodeText(n)
}

// nodeText writes n as one line of YAML.
func nodeText(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return n.Value
	}
	flow := *n
	flow.Style |= yaml.FlowStyle
	b, err := yaml.Marshal(&flow)
	if err != nil {
		return n.Value
	}
	return strings.TrimSuffix(string(b), "\n")
}

// sameNode reports whether a and b write the same YAML.
func sameNode(a, b *yaml.Node) bool { return nodeText(a) == nodeText(b) }
