package scenarios

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// TestSchema checks the JSON Schema against the decoder: every example and
// valid file conforms, and files with unknown fields or wrong types do not.
func TestSchema(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal(Schema(), &schema); err != nil {
		t.Fatalf("Schema() is not JSON: %v", err)
	}
	tab := newTable()
	text := string(Schema())
	for _, f := range tab.fields {
		if !strings.Contains(text, fmt.Sprintf("%q", lastName(f.name))) {
			t.Errorf("schema lacks %s", f.name)
		}
	}
	valid, _ := filepath.Glob("testdata/valid/*.yaml")
	examples, _ := filepath.Glob("examples/*.yaml")
	for _, f := range append(valid, examples...) {
		if errs := validateFile(t, schema, f); len(errs) > 0 {
			t.Errorf("%s does not conform to the schema:\n%s", f, strings.Join(errs, "\n"))
		}
	}
	for _, f := range []string{"unknown-field.yaml", "wrong-types.yaml", "sweep-bad.yaml", "sweep-empty.yaml", "combo.yaml", "tiers-shape.yaml"} {
		if errs := validateFile(t, schema, filepath.Join("testdata", "invalid", f)); len(errs) == 0 {
			t.Errorf("%s conforms to the schema; it should not", f)
		}
	}
}

func validateFile(t *testing.T, schema map[string]any, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	v := &validator{root: schema}
	v.check(schema, jsonValue(doc), "")
	return v.errs
}

// jsonValue turns a decoded YAML value into what JSON would hold.
func jsonValue(x any) any {
	switch x := x.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, v := range x {
			out[k] = jsonValue(v)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, v := range x {
			out[i] = jsonValue(v)
		}
		return out
	case int:
		return float64(x)
	case uint64:
		return float64(x)
	case time.Time:
		return x.Format(time.RFC3339)
	}
	return x
}

// validator checks the subset of JSON Schema draft-07 that Schema uses.
type validator struct {
	root map[string]any
	errs []string
}

func (v *validator) fail(at, format string, a ...any) {
	v.errs = append(v.errs, at+": "+fmt.Sprintf(format, a...))
}

func (v *validator) check(s map[string]any, x any, at string) {
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/definitions/")
		v.check(v.root["definitions"].(map[string]any)[name].(map[string]any), x, at)
		return
	}
	if alts, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, alt := range alts {
			sub := &validator{root: v.root}
			sub.check(alt.(map[string]any), x, at)
			if len(sub.errs) == 0 {
				n++
			}
		}
		if n != 1 {
			v.fail(at, "matches %d of oneOf", n)
		}
	}
	if alts, ok := s["anyOf"].([]any); ok {
		if !slices.ContainsFunc(alts, func(alt any) bool {
			sub := &validator{root: v.root}
			sub.check(alt.(map[string]any), x, at)
			return len(sub.errs) == 0
		}) {
			v.fail(at, "matches none of anyOf")
		}
	}
	if typ, ok := s["type"]; ok && !typeMatches(typ, x) {
		v.fail(at, "want type %v, got %T", typ, x)
		return
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, x) {
		v.fail(at, "%v is not in the enum", x)
	}
	switch x := x.(type) {
	case float64:
		if m, ok := s["minimum"].(float64); ok && x < m {
			v.fail(at, "%v below minimum %v", x, m)
		}
		if m, ok := s["maximum"].(float64); ok && x > m {
			v.fail(at, "%v above maximum %v", x, m)
		}
		if m, ok := s["exclusiveMinimum"].(float64); ok && x <= m {
			v.fail(at, "%v not above %v", x, m)
		}
		if s["type"] == "integer" && x != math.Trunc(x) {
			v.fail(at, "%v is not an integer", x)
		}
	case string:
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			v.fail(at, "%q does not match %s", x, p)
		}
		if m, ok := s["minLength"].(float64); ok && float64(len([]rune(x))) < m {
			v.fail(at, "%q is too short", x)
		}
		if m, ok := s["maxLength"].(float64); ok && float64(len([]rune(x))) > m {
			v.fail(at, "%q is too long", x)
		}
	case []any:
		if m, ok := s["minItems"].(float64); ok && float64(len(x)) < m {
			v.fail(at, "%d items, fewer than %v", len(x), m)
		}
		if m, ok := s["maxItems"].(float64); ok && float64(len(x)) > m {
			v.fail(at, "%d items, more than %v", len(x), m)
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, item := range x {
				v.check(items, item, fmt.Sprintf("%s[%d]", at, i))
			}
		}
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := x[r.(string)]; !ok {
				v.fail(at, "missing %s", r)
			}
		}
		if m, ok := s["minProperties"].(float64); ok && float64(len(x)) < m {
			v.fail(at, "fewer than %v properties", m)
		}
		if m, ok := s["maxProperties"].(float64); ok && float64(len(x)) > m {
			v.fail(at, "more than %v properties", m)
		}
		for k, val := range x {
			if names, ok := s["propertyNames"].(map[string]any); ok {
				v.check(names, k, at+"."+k)
			}
			switch ps, ok := props[k].(map[string]any); {
			case ok:
				v.check(ps, val, at+"."+k)
			case s["additionalProperties"] == false:
				v.fail(at, "unknown property %s", k)
			default:
				if ap, ok := s["additionalProperties"].(map[string]any); ok {
					v.check(ap, val, at+"."+k)
				}
			}
		}
	}
}

func asList(x any) []any {
	switch x := x.(type) {
	case []any:
		return x
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return out
	}
	return nil
}

func typeMatches(typ, x any) bool {
	if list, ok := typ.([]any); ok {
		return slices.ContainsFunc(list, func(t any) bool { return typeMatches(t, x) })
	}
	switch typ {
	case "object":
		return is[map[string]any](x)
	case "array":
		return is[[]any](x)
	case "string":
		return is[string](x)
	case "boolean":
		return is[bool](x)
	case "number":
		return is[float64](x)
	case "integer":
		f, ok := x.(float64)
		return ok && f == math.Trunc(f)
	}
	return false
}

// is reports whether x holds a T.
func is[T any](x any) bool {
	_, ok := x.(T)
	return ok
}
