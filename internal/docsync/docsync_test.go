package docsync

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doc.md")
	const begin, end = "<!-- begin -->", "<!-- end -->"
	if err := os.WriteFile(path, []byte("intro\n"+begin+"\nold\n"+end+"\nrest\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Check(path, begin, end, "new", false); !errors.Is(err, ErrStale) {
		t.Fatalf("a stale block: %v", err)
	}
	if err := Check(path, begin, end, "new", true); err != nil {
		t.Fatal(err)
	}
	if err := Check(path, begin, end, "new", false); err != nil {
		t.Fatalf("after update: %v", err)
	}
	data, _ := os.ReadFile(path)
	if want := "intro\n" + begin + "\nnew\n" + end + "\nrest\n"; string(data) != want {
		t.Fatalf("file:\n%s\nwant:\n%s", data, want)
	}
	if err := Check(path, "<!-- x -->", end, "new", false); err == nil || errors.Is(err, ErrStale) {
		t.Fatalf("missing markers: %v", err)
	}
}
