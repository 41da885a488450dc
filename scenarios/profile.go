package scenarios

import (
	_ "embed"
	"fmt"
	"io"
	"path/filepath"
	"slices"
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

// maxMembers caps a profile's ensemble.
const maxMembers = 200

// Profile is a behavioural profile: the central parameter values, and the
// calibrated ensemble of parameter sets around them (possibly empty).
type Profile struct {
	Behaviour sim.Behaviour
	// Ensemble holds the sets as absolute values of the parameters they
	// vary, as the profile file writes them.
	Ensemble []map[string]float64
}

// Members returns the ensemble as factors on the central values, the form
// the simulator applies to every arm (sim.Member); names are in sorted
// order, so the result is deterministic.
func (p Profile) Members() []sim.Member {
	var out []sim.Member
	for _, set := range p.Ensemble {
		names := make([]string, 0, len(set))
		for name := range set {
			names = append(names, name)
		}
		slices.Sort(names)
		var mb sim.Member
		for _, name := range names {
			par, _ := sim.LookupParameter(name)
			if c := par.Get(&p.Behaviour); c > 0 {
				mb = append(mb, sim.Factor{Name: name, Times: set[name] / c})
			}
		}
		out = append(out, mb)
	}
	return out
}

// parseProfile reads a profile: a YAML file with the field behaviour, laid
// out as in a scenario, and optionally ensemble, a list of parameter sets
// (each a mapping from a behavioural parameter's name, as in
// docs/MODEL.md's parameter table, to its value). Fields it leaves out keep
// sim.DefaultBehaviour.
func parseProfile(file string, data []byte) (Profile, error) {
	root, err := parseYAML(file, data)
	if err != nil {
		return Profile{}, err
	}
	tab := newTable()
	errs := &collector{}
	d := newDecoder(file, tab, errs)
	c := config{Config: sim.DefaultConfig()}
	var ens []map[string]float64
	var ensNode *yaml.Node
	d.walk("", "a profile", root, []string{"behaviour", "ensemble"}, func(key string, k, v *yaml.Node) {
		if key == "ensemble" {
			ens, ensNode = d.ensemble(v), v
			return
		}
		d.apply(key, k, v, &c)
	})
	// An ensemble varies parameters by factors on their central values, so
	// those must be positive.
	for i, set := range ens {
		for name := range set {
			if p, _ := sim.LookupParameter(name); !(p.Get(&c.Behaviour) > 0) {
				d.fail(ensNode.Content[i], fmt.Sprintf("ensemble[%d].%s", i, name), "an ensemble varies only parameters whose central value is positive; behaviour.%s is %g", name, p.Get(&c.Behaviour))
			}
		}
	}
	if !errs.empty() {
		return Profile{}, errs.errors(file, 1)
	}
	if err := c.Behaviour.Validate(); err != nil {
		return Profile{}, fmt.Errorf("%s: %w", file, err)
	}
	return Profile{Behaviour: c.Behaviour, Ensemble: ens}, nil
}

// ensemble reads a profile's list of parameter sets; each value must lie in
// its parameter's range.
func (d *decoder) ensemble(n *yaml.Node) []map[string]float64 {
	if !d.readSeq("ensemble", n, maxMembers, false) {
		return nil
	}
	var names []string
	for _, p := range sim.Parameters() {
		names = append(names, p.Name)
	}
	var out []map[string]float64
	for i, item := range n.Content {
		path := fmt.Sprintf("ensemble[%d]", i)
		set := map[string]float64{}
		d.walk(path, "an ensemble member", item, names, func(key string, k, v *yaml.Node) {
			p, _ := sim.LookupParameter(key)
			if x, ok := d.readFloat(path+"."+key, v, p.Lo, p.Hi); ok {
				set[key] = x
			}
		})
		out = append(out, set)
	}
	return out
}

// shippedProfile returns the shipped profile. It is embedded and checked by
// a test, so failing to read it is a build defect.
func shippedProfile() Profile {
	p, err := parseProfile(DefaultProfileFile, defaultProfile)
	if err != nil {
		panic(fmt.Sprintf("scenarios: the shipped profile is broken: %v", err))
	}
	return p
}

// LoadProfile reads the central behaviour of the profile at path, or of the
// shipped profile when path is empty.
func LoadProfile(path string) (sim.Behaviour, error) {
	p, err := ReadProfile(path)
	return p.Behaviour, err
}

// ReadProfile reads the profile at path with its ensemble, or the shipped
// profile when path is empty.
func ReadProfile(path string) (Profile, error) {
	if path == "" {
		return shippedProfile(), nil
	}
	data, err := readFile(path)
	if err != nil {
		return Profile{}, err
	}
	return parseProfile(path, data)
}

// profileFor resolves a scenario's profile path against the scenario file's
// directory and loads it.
func profileFor(scenarioFile, path string) (Profile, error) {
	if !filepath.IsAbs(path) && scenarioFile != "" {
		path = filepath.Join(filepath.Dir(scenarioFile), path)
	}
	return ReadProfile(path)
}

// WriteProfile writes p as a profile that ReadProfile and a scenario's
// profile field read back; comment heads the file (one or more lines).
func WriteProfile(w io.Writer, p Profile, comment string) error {
	tab := newTable()
	c := config{Config: sim.DefaultConfig()}
	c.Behaviour = p.Behaviour
	beh := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, key := range tab.children("behaviour") {
		v, ok := tab.encodeAt(join("behaviour", key), &c)
		if !ok {
			continue
		}
		beh.Content = append(beh.Content, scalar(key, "!!str"), v)
	}
	root := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{scalar("behaviour", "!!str"), beh}}
	if len(p.Ensemble) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, set := range p.Ensemble {
			m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
			for _, par := range sim.Parameters() {
				if v, ok := set[par.Name]; ok {
					m.Content = append(m.Content, scalar(par.Name, "!!str"), number(v))
				}
			}
			seq.Content = append(seq.Content, m)
		}
		root.Content = append(root.Content, scalar("ensemble", "!!str"), seq)
	}
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
