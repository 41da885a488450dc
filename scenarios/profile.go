package scenarios

import (
	_ "embed"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"giftsim/sim"
)

// defaultProfile is the shipped behavioural profile, written by
// `giftsim calibrate --out scenarios/profiles/default.yaml` (docs/MODEL.md
// records the exact command). Every scenario starts from it.
//
//go:embed profiles/default.yaml
var defaultProfile []byte

// DefaultProfileFile names the shipped profile in messages.
const DefaultProfileFile = "scenarios/profiles/default.yaml"

// parseProfile reads a profile: a YAML file whose only field is behaviour,
// laid out as in a scenario. Fields it leaves out keep sim.DefaultBehaviour.
func parseProfile(file string, data []byte) (sim.Behaviour, error) {
	root, err := parseYAML(file, data)
	if err != nil {
		return sim.Behaviour{}, err
	}
	tab := newTable()
	errs := &collector{}
	d := newDecoder(file, tab, errs)
	c := config{Config: sim.DefaultConfig()}
	d.walk("", "a profile", root, []string{"behaviour"}, func(key string, k, v *yaml.Node) {
		d.apply(key, k, v, &c)
	})
	if !errs.empty() {
		return sim.Behaviour{}, errs.errors(file, 1)
	}
	if err := c.Behaviour.Validate(); err != nil {
		return sim.Behaviour{}, fmt.Errorf("%s: %w", file, err)
	}
	return c.Behaviour, nil
}

// shippedProfile returns the shipped profile. It is embedded and checked by
// a test, so failing to read it is a build defect.
func shippedProfile() sim.Behaviour {
	b, err := parseProfile(DefaultProfileFile, defaultProfile)
	if err != nil {
		panic(fmt.Sprintf("scenarios: the shipped profile is broken: %v", err))
	}
	return b
}

// LoadProfile reads the profile at path, or returns the shipped profile
// when path is empty.
func LoadProfile(path string) (sim.Behaviour, error) {
	if path == "" {
		return shippedProfile(), nil
	}
	data, err := readFile(path)
	if err != nil {
		return sim.Behaviour{}, err
	}
	return parseProfile(path, data)
}

// profileFor resolves a scenario's profile path against the scenario file's
// directory and loads it.
func profileFor(scenarioFile, path string) (sim.Behaviour, error) {
	if !filepath.IsAbs(path) && scenarioFile != "" {
		path = filepath.Join(filepath.Dir(scenarioFile), path)
	}
	return LoadProfile(path)
}

// WriteProfile writes b as a profile that LoadProfile and a scenario's
// profile field read back; comment heads the file (one or more lines).
func WriteProfile(w io.Writer, b sim.Behaviour, comment string) error {
	tab := newTable()
	c := config{Config: sim.DefaultConfig()}
	c.Behaviour = b
	beh := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, key := range tab.children("behaviour") {
		v, ok := tab.encodeAt(join("behaviour", key), &c)
		if !ok {
			continue
		}
		beh.Content = append(beh.Content, scalar(key, "!!str"), v)
	}
	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{scalar("behaviour", "!!str"), beh}}
	var head strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(comment), "\n") {
		head.WriteString("# " + line + "\n")
	}
	root.HeadComment = strings.TrimSuffix(head.String(), "\n")
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return enc.Close()
}
