package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"giftsim/loadgen"
	"giftsim/platform"
)

// The Kubernetes API types are imported by this test only, so they do not
// enter the giftsim binary.

// k8sDir holds the Kubernetes manifests (docs/LOAD.md "Several hosts").
const k8sDir = "deploy/k8s"

// manifests are the objects of deploy/k8s, decoded strictly.
type manifests struct {
	jobs        map[string]*batchv1.Job
	deployments map[string]*appsv1.Deployment
	services    map[string]*corev1.Service
	configMaps  map[string]*corev1.ConfigMap
	claims      map[string]*corev1.PersistentVolumeClaim
}

// decodeManifest decodes one YAML document into the API type its kind
// names, refusing unknown or duplicate fields, and adds it to m.
func (m *manifests) decodeManifest(doc []byte) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return err
	}
	var obj interface{ GetName() string }
	switch tm.APIVersion + " " + tm.Kind {
	case "batch/v1 Job":
		obj = &batchv1.Job{}
	case "apps/v1 Deployment":
		obj = &appsv1.Deployment{}
	case "v1 Service":
		obj = &corev1.Service{}
	case "v1 ConfigMap":
		obj = &corev1.ConfigMap{}
	case "v1 PersistentVolumeClaim":
		obj = &corev1.PersistentVolumeClaim{}
	default:
		return fmt.Errorf("kind %q of apiVersion %q: not one the test knows", tm.Kind, tm.APIVersion)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return err
	}
	name := obj.GetName()
	if name == "" {
		return fmt.Errorf("%s without metadata.name", tm.Kind)
	}
	switch o := obj.(type) {
	case *batchv1.Job:
		m.jobs[name] = o
	case *appsv1.Deployment:
		m.deployments[name] = o
	case *corev1.Service:
		m.services[name] = o
	case *corev1.ConfigMap:
		m.configMaps[name] = o
	case *corev1.PersistentVolumeClaim:
		m.claims[name] = o
	}
	return nil
}

// readManifests decodes every document of every YAML file in dir and
// returns the documents that did not decode.
func readManifests(dir string) (*manifests, []string, error) {
	m := &manifests{jobs: map[string]*batchv1.Job{}, deployments: map[string]*appsv1.Deployment{},
		services: map[string]*corev1.Service{}, configMaps: map[string]*corev1.ConfigMap{}, claims: map[string]*corev1.PersistentVolumeClaim{}}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, nil, fmt.Errorf("no manifests in %s (%v)", dir, err)
	}
	var bad []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
			if strings.TrimSpace(stripComments(doc)) == "" {
				continue
			}
			if err := m.decodeManifest([]byte(doc)); err != nil {
				bad = append(bad, fmt.Sprintf("%s document %d: %v", f, i+1, err))
			}
		}
	}
	return m, bad, nil
}

// stripComments drops YAML comment lines.
func stripComments(doc string) string {
	var out []string
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// podSpecs returns the pod templates of the Jobs and Deployments by
// "Kind/name".
func (m *manifests) podSpecs() map[string]*corev1.PodTemplateSpec {
	out := map[string]*corev1.PodTemplateSpec{}
	for n, j := range m.jobs {
		out["Job/"+n] = &j.Spec.Template
	}
	for n, d := range m.deployments {
		out["Deployment/"+n] = &d.Spec.Template
	}
	return out
}

// giftsimArgs returns the giftsim command line a container runs (nil when
// it runs something else): its command and args, or the words of a
// `/bin/sh -c` script, without `exec` and quotes.
func giftsimArgs(c *corev1.Container) []string {
	words := append(slices.Clone(c.Command), c.Args...)
	if len(words) >= 3 && (words[0] == "/bin/sh" || words[0] == "sh") && words[1] == "-c" {
		words = strings.Fields(strings.Join(words[2:], " "))
		for i, w := range words {
			words[i] = strings.Trim(w, `"'`)
		}
	}
	if len(words) > 0 && words[0] == "exec" {
		words = words[1:]
	}
	if len(words) == 0 || words[0] != "giftsim" {
		return nil
	}
	return words[1:]
}

// flagValue returns the value after --name in args.
func flagValue(args []string, name string) (string, bool) {
	for i, a := range args {
		if a == "--"+name && i+1 < len(args) {
			return args[i+1], true
		}
		if v, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// checkGiftsimCommand checks that args name a giftsim subcommand and only
// flags its -h lists.
func checkGiftsimCommand(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("giftsim without a subcommand")
	}
	if !slices.ContainsFunc(commands(), func(c command) bool { return c.name == args[0] }) {
		return fmt.Errorf("giftsim %s: no such subcommand", args[0])
	}
	var stdout, stderr bytes.Buffer
	if code := dispatch(context.Background(), []string{args[0], "-h"}, &stdout, &stderr); code != exitOK {
		return fmt.Errorf("giftsim %s -h: exit %d", args[0], code)
	}
	help := stdout.String() + stderr.String()
	for _, a := range args[1:] {
		name, ok := strings.CutPrefix(a, "--")
		if !ok {
			continue
		}
		name, _, _ = strings.Cut(name, "=")
		if !regexp.MustCompile(`(?m)^\s+-` + regexp.QuoteMeta(name) + `(\s|$)`).MatchString(help) {
			return fmt.Errorf("giftsim %s: flag --%s is not in its -h", args[0], name)
		}
	}
	return nil
}

// checkManifests checks what matters in the manifests and returns every
// problem found.
func checkManifests(m *manifests) []string {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }

	for name, pod := range m.podSpecs() {
		ports := map[string]bool{}
		volumes := map[string]corev1.Volume{}
		for _, v := range pod.Spec.Volumes {
			volumes[v.Name] = v
			if v.ConfigMap != nil && m.configMaps[v.ConfigMap.Name] == nil {
				bad("%s: volume %s names ConfigMap %s, which no manifest defines", name, v.Name, v.ConfigMap.Name)
			}
			if v.PersistentVolumeClaim != nil && m.claims[v.PersistentVolumeClaim.ClaimName] == nil {
				bad("%s: volume %s names claim %s, which no manifest defines", name, v.Name, v.PersistentVolumeClaim.ClaimName)
			}
		}
		for i := range pod.Spec.Containers {
			c := &pod.Spec.Containers[i]
			where := name + " container " + c.Name
			if c.Image == "" {
				bad("%s: no image", where)
			}
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if _, ok := c.Resources.Requests[r]; !ok {
					bad("%s: no %s request", where, r)
				}
				if _, ok := c.Resources.Limits[r]; !ok {
					bad("%s: no %s limit", where, r)
				}
			}
			for _, vm := range c.VolumeMounts {
				if _, ok := volumes[vm.Name]; !ok {
					bad("%s: mounts volume %s, which the pod does not define", where, vm.Name)
				}
			}
			for _, p := range c.Ports {
				ports[p.Name], ports[strconv.Itoa(int(p.ContainerPort))] = true, true
			}
			// A container that serves a port says when it is ready.
			if len(c.Ports) > 0 {
				if c.ReadinessProbe == nil {
					bad("%s: serves a port but has no readiness probe", where)
				}
				for _, pr := range []*corev1.Probe{c.ReadinessProbe, c.LivenessProbe} {
					if pr == nil {
						continue
					}
					var port string
					switch {
					case pr.HTTPGet != nil:
						port = pr.HTTPGet.Port.String()
					case pr.TCPSocket != nil:
						port = pr.TCPSocket.Port.String()
					}
					if port != "" && !ports[port] {
						bad("%s: probe port %s is not a port of the container", where, port)
					}
				}
			}
			if strings.HasPrefix(c.Image, "giftsim") {
				args := giftsimArgs(c)
				if args == nil {
					bad("%s: the giftsim image runs no giftsim command", where)
				} else if err := checkGiftsimCommand(args); err != nil {
					bad("%s: %v", where, err)
				}
			}
		}
		if pod.Spec.RestartPolicy == corev1.RestartPolicyAlways && strings.HasPrefix(name, "Job/") {
			bad("%s: a Job's pods must not restart always", name)
		}
	}

	for name, d := range m.deployments {
		if d.Spec.Selector == nil || !labelsMatch(d.Spec.Selector.MatchLabels, d.Spec.Template.Labels) {
			bad("Deployment/%s: its selector does not match its pod template's labels", name)
		}
	}
	for name, s := range m.services {
		found := false
		for _, d := range m.deployments {
			if !labelsMatch(s.Spec.Selector, d.Spec.Template.Labels) {
				continue
			}
			found = true
			for _, p := range s.Spec.Ports {
				if !slices.ContainsFunc(d.Spec.Template.Spec.Containers, func(c corev1.Container) bool {
					return slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool {
						return cp.Name == p.TargetPort.String() || strconv.Itoa(int(cp.ContainerPort)) == p.TargetPort.String()
					})
				}) {
					bad("Service/%s: target port %s is not a port of Deployment/%s", name, p.TargetPort.String(), d.Name)
				}
			}
		}
		if len(s.Spec.Selector) == 0 || !found {
			bad("Service/%s: its selector matches no Deployment", name)
		}
	}

	// The load shards: an Indexed Job whose pods are shard INDEX+1 of N.
	var loadJob *batchv1.Job
	for _, j := range m.jobs {
		if j.Spec.CompletionMode != nil && *j.Spec.CompletionMode == batchv1.IndexedCompletion {
			if loadJob != nil {
				bad("more than one Indexed Job")
			}
			loadJob = j
		}
	}
	if loadJob == nil {
		bad("no Indexed Job for load shards")
		return errs
	}
	js := loadJob.Spec
	if js.Completions == nil || js.Parallelism == nil || *js.Completions != *js.Parallelism || *js.Completions < 2 {
		bad("Job/%s: completions %v and parallelism %v must be equal and at least 2 (every shard runs at once)", loadJob.Name, js.Completions, js.Parallelism)
		return errs
	}
	n := int(*js.Completions)
	if js.BackoffLimit == nil || *js.BackoffLimit != 0 {
		bad("Job/%s: backoffLimit must be 0: a retried shard would start late and send its share twice", loadJob.Name)
	}
	if len(js.Template.Spec.Containers) != 1 {
		bad("Job/%s: want one container", loadJob.Name)
		return errs
	}
	c := &js.Template.Spec.Containers[0]
	args := giftsimArgs(c)
	if len(args) < 2 || args[0] != "load" {
		bad("Job/%s: does not run giftsim load PLAN", loadJob.Name)
		return errs
	}
	if v, _ := flagValue(args, "shard"); v != fmt.Sprintf("$((JOB_COMPLETION_INDEX+1))/%d", n) {
		bad("Job/%s: --shard %q, want $((JOB_COMPLETION_INDEX+1))/%d (the completion index, from 1, of the Job's %d)", loadJob.Name, v, n, n)
	}
	if v, _ := flagValue(args, "out"); !strings.Contains(v, "$((JOB_COMPLETION_INDEX+1))") {
		bad("Job/%s: --out %q does not name the shard: the shards would write one directory", loadJob.Name, v)
	}
	if v, _ := flagValue(args, "start-at"); v != "$START_AT" || !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "START_AT" }) {
		bad("Job/%s: --start-at %q must come from the START_AT variable the Job sets, one time for every shard", loadJob.Name, v)
	}
	planPath := args[1]
	plan := planOf(m, js.Template.Spec, c, planPath, &errs)

	// The merge: a Job that merges the N shards' directories with the same plan.
	merged := false
	for _, j := range m.jobs {
		for _, mc := range j.Spec.Template.Spec.Containers {
			a := giftsimArgs(&mc)
			if len(a) < 3 || a[0] != "load" || !slices.Contains(a, "--merge") {
				continue
			}
			merged = true
			var dirs []string
			for i := 1; i <= n; i++ {
				dirs = append(dirs, fmt.Sprintf("/results/shard-%d", i))
			}
			pos := slices.DeleteFunc(slices.Clone(a[1:]), func(s string) bool { return strings.HasPrefix(s, "--") })
			if out, ok := flagValue(a, "out"); ok {
				pos = slices.DeleteFunc(pos, func(s string) bool { return s == out })
			}
			if len(pos) == 0 || pos[0] != planPath || !slices.Equal(pos[1:], dirs) {
				bad("Job/%s: merges %v, want the plan %s and %v", j.Name, pos, planPath, dirs)
			}
		}
	}
	if !merged {
		bad("no Job runs giftsim load --merge")
	}

	// The worker reaches Redis by its Service.
	for name, d := range m.deployments {
		for _, wc := range d.Spec.Template.Spec.Containers {
			a := giftsimArgs(&wc)
			if len(a) == 0 || a[0] != "worker" {
				continue
			}
			v, _ := flagValue(a, "redis")
			u, err := url.Parse(v)
			if err != nil || u.Scheme != "redis" {
				bad("Deployment/%s: --redis %q is not a redis:// URL", name, v)
				continue
			}
			if s := m.services[u.Hostname()]; s == nil || !slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return strconv.Itoa(int(p.Port)) == u.Port() }) {
				bad("Deployment/%s: --redis %s names no Service port", name, v)
			}
		}
	}

	// The plan's target is a Service, and the mock it runs keeps the plan's day.
	if plan != nil && plan.Target != loadgen.TargetBuiltin {
		u, err := url.Parse(plan.Target)
		if err == nil {
			if s := m.services[u.Hostname()]; s != nil {
				if !slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return strconv.Itoa(int(p.Port)) == u.Port() }) {
					bad("plan target %s: Service %s has no port %s", plan.Target, s.Name, u.Port())
				}
				if _, ok := flagValue(args, "allow-remote"); !ok && !slices.Contains(args, "--allow-remote") {
					bad("Job/%s: a Service target is not loopback: give --allow-remote", loadJob.Name)
				}
				for _, d := range m.deployments {
					if !labelsMatch(s.Spec.Selector, d.Spec.Template.Labels) {
						continue
					}
					for _, sc := range d.Spec.Template.Spec.Containers {
						a := giftsimArgs(&sc)
						if len(a) == 0 || a[0] != "serve" {
							continue
						}
						day, _ := flagValue(a, "day")
						if dd, err := platform.ParseDuration(day); err != nil || dd != plan.Day {
							bad("Deployment/%s: serve --day %q, but the plan says day: %s", d.Name, day, platform.FormatDuration(plan.Day))
						}
					}
				}
			}
		}
	}
	return errs
}

// planOf finds the plan file a container reads in the ConfigMap mounted
// over its directory, and parses it as giftsim load would.
func planOf(m *manifests, pod corev1.PodSpec, c *corev1.Container, path string, errs *[]string) *loadgen.Plan {
	for _, vm := range c.VolumeMounts {
		rel, ok := strings.CutPrefix(path, strings.TrimSuffix(vm.MountPath, "/")+"/")
		if !ok {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name != vm.Name || v.ConfigMap == nil {
				continue
			}
			cm := m.configMaps[v.ConfigMap.Name]
			if cm == nil {
				return nil
			}
			text, ok := cm.Data[rel]
			if !ok {
				*errs = append(*errs, fmt.Sprintf("ConfigMap/%s has no %s for %s", cm.Name, rel, path))
				return nil
			}
			p, err := loadgen.ParsePlan(strings.NewReader(text), path)
			if err != nil {
				*errs = append(*errs, fmt.Sprintf("ConfigMap/%s %s: %v", cm.Name, rel, err))
				return nil
			}
			return p
		}
	}
	*errs = append(*errs, fmt.Sprintf("the plan %s is on no ConfigMap volume", path))
	return nil
}

// labelsMatch reports whether every selector label is among labels.
func labelsMatch(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// TestDeployManifests decodes every manifest in deploy/k8s against the
// Kubernetes API types (unknown fields are errors) and checks the load
// Job, the merge, the worker, the mock and Redis fit together and run
// giftsim commands and flags that exist.
func TestDeployManifests(t *testing.T) {
	m, bad, err := readManifests(k8sDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range bad {
		t.Error(e)
	}
	for _, want := range []string{"Job/giftsim-load", "Job/giftsim-merge", "Deployment/giftsim-worker", "Deployment/redis", "Deployment/giftsim-mock"} {
		if m.podSpecs()[want] == nil {
			t.Errorf("no %s in %s", want, k8sDir)
		}
	}
	for _, want := range []string{"redis", "giftsim-mock"} {
		if m.services[want] == nil {
			t.Errorf("no Service/%s in %s", want, k8sDir)
		}
	}
	for _, e := range checkManifests(m) {
		t.Error(e)
	}
	if b, err := os.ReadFile("deploy/Dockerfile"); err != nil {
		t.Error(err)
	} else if !strings.Contains(string(b), "/usr/local/bin/giftsim") {
		t.Error("deploy/Dockerfile does not put giftsim on the PATH the manifests use")
	}
}

// TestDeployManifestsCatch shows the checks fail on broken manifests: each
// case edits a copy of deploy/k8s and expects its problem reported.
func TestDeployManifestsCatch(t *testing.T) {
	tests := []struct {
		file, old, new, want string
	}{
		{"load-job.yaml", "completions: 3", "completions: 4", "must be equal"},
		{"load-job.yaml", "--shard $((JOB_COMPLETION_INDEX+1))/3", "--shard 1/3", "the completion index"},
		{"load-job.yaml", "backoffLimit: 0", "backoffLimit: 6", "backoffLimit must be 0"},
		{"load-job.yaml", "completionMode: Indexed", "completionMode: Indexd", "no Indexed Job"},
		{"load-job.yaml", "--start-at \"$START_AT\"", "--start-at +30s", "START_AT"},
		{"load-job.yaml", "--allow-remote", "--allow-remot", "flag --allow-remot is not in its -h"},
		{"load-job.yaml", "exec giftsim load", "exec giftsim lode", "no such subcommand"},
		{"load-job.yaml", "restartPolicy: Never", "restartPolice: Never", "unknown field"},
		{"worker.yaml", "limits: {cpu: \"2\", memory: 2Gi}", "limits: {cpu: \"2\"}", "no memory limit"},
		{"worker.yaml", `"--redis", "redis://redis:6379/0"`, `"--redis", "redis://cache:6379/0"`, "names no Service port"},
		{"mock.yaml", "--day\", \"10s\"", "--day\", \"1d\"", "but the plan says day: 10s"},
		{"mock.yaml", "readinessProbe:", "startupProbe:", "no readiness probe"},
		{"merge-job.yaml", " /results/shard-3 ", " ", "merges"},
		{"plan-configmap.yaml", "tier: filed", "tier: filled", "merchant.tier"},
		{"redis.yaml", "targetPort: redis", "targetPort: redis-port", "not a port of Deployment/redis"},
	}
	for _, tc := range tests {
		t.Run(tc.file+" "+tc.want, func(t *testing.T) {
			dir := t.TempDir()
			files, _ := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				if filepath.Base(f) == tc.file {
					if !bytes.Contains(b, []byte(tc.old)) {
						t.Fatalf("%s has no %q", f, tc.old)
					}
					b = bytes.Replace(b, []byte(tc.old), []byte(tc.new), 1)
				}
				if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			m, problems, err := readManifests(dir)
			if err != nil {
				t.Fatal(err)
			}
			problems = append(problems, checkManifests(m)...)
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("%s: %q → %q: want a problem with %q, got %q", tc.file, tc.old, tc.new, tc.want, problems)
			}
		})
	}
}
