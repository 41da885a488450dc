package scenarios

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"giftsim/platform"
	"giftsim/sim"
)

// derived lists the sim.Config fields the format sets from others.
var derived = map[string]bool{"Compliance.Industry": true} // = merchant.industry (R20)

// samples gives an entry for each slice of structs that is empty by default,
// so the test has an element whose fields it can change.
var samples = map[string]any{
	"Coupon.Tiers": sim.Tier{MinSpend: platform.CNY(120), Face: platform.CNY(25)},
}

// TestTableCoversConfig changes every field of sim.Config in turn, writes the
// config out through the table and reads it back: a field the table lacks
// (say, one the simulator gained) comes back at its default and fails here.
func TestTableCoversConfig(t *testing.T) {
	tab := newTable()
	var leaves []string
	walkLeaves(reflect.TypeOf(defaultConfig().Config), "", &leaves)
	for _, leaf := range leaves {
		if derived[leaf] {
			continue
		}
		t.Run(leaf, func(t *testing.T) {
			for _, candidate := range mutations(leaf) {
				c := defaultConfig()
				candidate(fieldByPath(t, reflect.ValueOf(&c.Config).Elem(), leaf))
				c.finish()
				if reflect.DeepEqual(c, defaultConfig()) {
					continue // this mutation does not apply to the field's type
				}
				if got := roundTripConfig(t, tab, c); reflect.DeepEqual(got.Config, c.Config) {
					return
				}
			}
			t.Errorf("sim.Config.%s does not survive marshal and parse: is it in the field table?", leaf)
		})
	}
}

// walkLeaves lists the paths of the leaf fields of typ; a slice of structs
// contributes its element's fields under "[0]".
func walkLeaves(typ reflect.Type, prefix string, out *[]string) {
	for i := range typ.NumField() {
		f := typ.Field(i)
		path := f.Name
		if prefix != "" {
			path = prefix + "." + f.Name
		}
		switch {
		case f.Anonymous && f.Type.Kind() == reflect.Struct:
			walkLeaves(f.Type, prefix, out)
		case f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Time{}):
			walkLeaves(f.Type, path, out)
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			walkLeaves(f.Type.Elem(), path+"[0]", out)
		default:
			*out = append(*out, path)
		}
	}
}

// fieldByPath finds the settable field at path, promoted fields included.
// An empty slice on the way gets its sample as first element.
func fieldByPath(t *testing.T, v reflect.Value, path string) reflect.Value {
	t.Helper()
	var at []string
	for _, name := range splitPath(path) {
		if name == "[0]" {
			if v.Len() == 0 {
				sample, ok := samples[strings.Join(at, ".")]
				if !ok {
					t.Fatalf("sim.Config.%s is empty by default; add a sample entry to samples", strings.Join(at, "."))
				}
				v.Set(reflect.Append(v, reflect.ValueOf(sample)))
			}
			v = v.Index(0)
			continue
		}
		at = append(at, name)
		v = v.FieldByName(name)
	}
	return v
}

func splitPath(path string) []string {
	var out []string
	cur := ""
	for _, r := range path {
		switch r {
		case '.':
			out, cur = append(out, cur), ""
		case '[':
			out, cur = append(out, cur), "["
		default:
			cur += string(r)
		}
	}
	return append(out, cur)
}

// mutations returns ways to change a field to another value the format can
// express; the test accepts the field if any of them round-trips.
func mutations(leaf string) []func(reflect.Value) {
	var out []func(reflect.Value)
	add := func(f func(v reflect.Value)) { out = append(out, f) }
	if leaf == "Start" {
		add(func(v reflect.Value) { v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(25 * time.Hour))) })
		return out
	}
	add(func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Bool:
			v.SetBool(!v.Bool())
		case reflect.Int, reflect.Int64:
			step := int64(1)
			switch v.Type() {
			case reflect.TypeOf(time.Duration(0)):
				step = int64(time.Hour)
			case reflect.TypeOf(platform.Money(0)):
				step = 100
			}
			v.SetInt(v.Int() + step)
		case reflect.Uint8:
			v.SetUint(v.Uint() + 1)
		case reflect.Float64:
			v.SetFloat(v.Float() + 0.125)
		case reflect.Array: // the last element: Selection's first is unused
			last := v.Index(v.Len() - 1)
			last.SetFloat(last.Float() + 0.125)
		case reflect.Slice:
			v.Set(reflect.Append(v, reflect.ValueOf(platform.KindDiscount)))
		}
	})
	add(func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Uint8:
			v.SetUint(v.Uint() - 1)
		case reflect.Float64:
			v.SetFloat(v.Float() - 0.125)
		}
	})
	for _, s := range []string{"watts-strogatz", "customers", "android", sim.LabelLimited24h, "edges.csv", "brand X", ""} {
		add(func(v reflect.Value) {
			if v.Kind() == reflect.String {
				v.SetString(s)
			}
		})
	}
	return out
}

// roundTripConfig marshals c as a scenario's base and decodes it again,
// without validation.
func roundTripConfig(t *testing.T, tab *table, c config) config {
	t.Helper()
	s := &Scenario{file: "cover.yaml", meta: meta{name: "cover", seed: defaultSeed, reps: defaultReps}, base: c}
	out, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	root, err := parseYAML("cover.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	errs := &collector{}
	d := newDecoder("cover.yaml", tab, errs)
	got := defaultConfig()
	d.walk("", "a scenario", root, append(experimentKeys(), tab.children("")...), func(key string, k, v *yaml.Node) {
		if !slices.Contains(experimentKeys(), key) {
			d.apply(key, k, v, &got)
		}
	})
	got.finish()
	return got
}
