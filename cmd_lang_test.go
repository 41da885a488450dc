package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLangAndCSVBOM runs the Chinese example through run and report in
// both languages: --lang zh writes the summary and answer in Chinese with
// a byte-order mark on the CSV files; --lang en keeps English with none;
// the locale picks the default; an unknown language is bad input.
func TestLangAndCSVBOM(t *testing.T) {
	small := []string{"scenarios/examples/hotpot-validity-zh.yaml", "--set", "population.users=1500", "--replications", "2", "--central", "--quiet"}
	for _, tc := range []struct {
		name   string
		args   []string
		env    string // env is LANG.
		want   []string
		bom    bool
		noWant string
	}{
		{"zh", []string{"--lang", "zh"}, "C", []string{"结论：", "指标", "七天", "三十天", "核销使用率 (K2)"}, true, "Answer:"},
		{"en", []string{"--lang", "en"}, "zh_CN.UTF-8", []string{"Answer:", "Redemption rate (K2)", "七天"}, false, "结论："},
		{"locale", nil, "zh_CN.UTF-8", []string{"结论："}, true, "Answer:"},
		{"zh-no-bom", []string{"--lang", "zh", "--csv-bom=false"}, "C", []string{"结论："}, false, ""},
		{"en-bom", []string{"--csv-bom"}, "C", []string{"Answer:"}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("LC_ALL", "")
			t.Setenv("LC_MESSAGES", "")
			t.Setenv("LANG", tc.env)
			dir := t.TempDir()
			args := append(append([]string{"run"}, small...), tc.args...)
			args = append(args, "--out", dir)
			var stdout, stderr bytes.Buffer
			if code := dispatch(context.Background(), args, &stdout, &stderr); code != exitOK {
				t.Fatalf("exit %d: %s", code, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
			if tc.noWant != "" && strings.Contains(stdout.String(), tc.noWant) {
				t.Errorf("stdout has %q:\n%s", tc.noWant, stdout.String())
			}
			for _, f := range []string{"kpis.csv", "timeseries.csv"} {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				if got := bytes.HasPrefix(b, []byte("\uFEFF")); got != tc.bom {
					t.Errorf("%s: byte-order mark %v, want %v", f, got, tc.bom)
				}
			}
			// report re-renders the saved results in the other language.
			stdout.Reset()
			if code := dispatch(context.Background(), []string{"report", dir, "--lang", "zh"}, &stdout, &stderr); code != exitOK {
				t.Fatalf("report: exit %d: %s", code, stderr.String())
			}
			html, err := os.ReadFile(filepath.Join(dir, "report.html"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(html, []byte(`lang="zh-CN"`)) || !bytes.Contains(html, []byte("有何变化")) {
				t.Error("report --lang zh did not write a Chinese page")
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := dispatch(context.Background(), append(append([]string{"run"}, small...), "--lang", "fr"), &stdout, &stderr); code != exitBadInput {
		t.Errorf("--lang fr: exit %d, want %d: %s", code, exitBadInput, stderr.String())
	}
	if !strings.Contains(stderr.String(), "en or zh") {
		t.Errorf("--lang fr: the error does not say what is allowed: %s", stderr.String())
	}
}
