package scenarios

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"

	"giftsim/sim"
)

// bundled holds the example scenarios shipped in the binary.
//
//go:embed examples/*.yaml
var bundled embed.FS

// ExampleInfo names a bundled example and the question it answers.
type ExampleInfo struct {
	Name     string // Name is the file name without .yaml, e.g. "validity-7-vs-30".
	Question string
}

// Examples lists the bundled example scenarios in name order.
func Examples() []ExampleInfo {
	entries, _ := fs.ReadDir(bundled, "examples")
	var out []ExampleInfo
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".yaml")
		if !ok {
			continue
		}
		data, _ := bundled.ReadFile(path.Join("examples", e.Name()))
		var head struct {
			Question string `yaml:"question"`
		}
		_ = yaml.Unmarshal(data, &head) // a bundled file is valid (tested)
		out = append(out, ExampleInfo{Name: name, Question: head.Question})
	}
	return out
}

// ExampleFile returns the text of the bundled example name.
func ExampleFile(name string) ([]byte, error) {
	if strings.ContainsAny(name, `/\`) || name == "" || name == "." || name == ".." {
		return nil, fmt.Errorf("example %q: %w", name, fs.ErrNotExist)
	}
	data, err := bundled.ReadFile(path.Join("examples", name+".yaml"))
	if err != nil {
		var names []string
		for _, e := range Examples() {
			names = append(names, e.Name)
		}
		return nil, fmt.Errorf("no bundled example %q (there are: %s): %w", name, strings.Join(names, ", "), fs.ErrNotExist)
	}
	return data, nil
}

// LoadExample parses the bundled example name and returns its experiment.
func LoadExample(name string) (*sim.Experiment, error) {
	s, err := ParseExample(name)
	if err != nil {
		return nil, err
	}
	return s.Experiment(), nil
}

// ParseExample parses the bundled example name.
func ParseExample(name string) (*Scenario, error) {
	data, err := ExampleFile(name)
	if err != nil {
		return nil, err
	}
	return Parse(path.Join("scenarios", "examples", name+".yaml"), data)
}
