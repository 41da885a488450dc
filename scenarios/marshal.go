package scenarios

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Marshal writes s as canonical YAML: the experiment's fields, every base
// field that differs from its default, then the arms or the sweep. Parsing
// the result gives the same experiment.
func (s *Scenario) Marshal() ([]byte, error) {
	tab := newTable()
	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	put(root, "name", scalar(s.name, "!!str"))
	if s.question != "" {
		put(root, "question", scalar(s.question, "!!str"))
	}
	if s.seed != defaultSeed {
		put(root, "seed", scalar(strconv.FormatUint(s.seed, 10), "!!int"))
	}
	switch {
	case s.precision != nil:
		p := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
		put(p, "min", scalar(strconv.Itoa(s.reps), "!!int"))
		put(p, "max", scalar(strconv.Itoa(s.precision.Max), "!!int"))
		put(p, "kpi", scalar(s.precision.KPI, "!!str"))
		put(p, "half_width", number(s.precision.HalfWidth))
		put(root, "replications", p)
	case s.reps != defaultReps:
		put(root, "replications", scalar(strconv.Itoa(s.reps), "!!int"))
	}
	def := defaultConfig()
	if s.profile != "" {
		put(root, "profile", scalar(s.profile, "!!str"))
		// Behaviour fields are written as overrides of the profile.
		prof, err := profileFor(s.file, s.profile)
		if err != nil {
			return nil, err
		}
		def.Behaviour = prof.Behaviour
	}
	for _, f := range tab.fields {
		if v := f.encode(&s.base); !sameNode(v, f.encode(&def)) {
			put(root, f.name, v)
		}
	}
	switch {
	case s.written:
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for i := range s.arms {
			a := &s.arms[i]
			m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			put(m, "name", scalar(a.name, "!!str"))
			for _, set := range a.settings {
				v, _ := tab.encodeAt(set[0], &a.cfg)
				put(m, set[0], v)
			}
			seq.Content = append(seq.Content, m)
		}
		put(root, "arms", seq)
	case len(s.sweep) > 0:
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, ax := range s.sweep {
			vals := flowSeq(ax.values)
			m.Content = append(m.Content, scalar(ax.path, "!!str"), vals)
		}
		put(root, "sweep", m)
	}
	marshalStudy(root, s.study)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("scenarios: marshal %s: %w", s.file, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("scenarios: marshal %s: %w", s.file, err)
	}
	return buf.Bytes(), nil
}

// put sets the dotted path in mapping m to v, creating block mappings on
// the way.
func put(m *yaml.Node, path string, v *yaml.Node) {
	key, rest, nested := strings.Cut(path, ".")
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && nested {
			put(m.Content[i+1], rest, v)
			return
		}
	}
	if !nested {
		m.Content = append(m.Content, scalar(key, "!!str"), v)
		return
	}
	child := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	m.Content = append(m.Content, scalar(key, "!!str"), child)
	put(child, rest, v)
}
