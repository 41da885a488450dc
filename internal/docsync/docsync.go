package docsync

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrStale says the block differs from what the code generates.
var ErrStale = errors.New("out of date")

// Check compares the block between the markers begin and end in the file at
// path with content. With update it rewrites the block instead; without,
// a differing block is an error wrapping ErrStale.
func Check(path, begin, end, content string, update bool) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc := string(data)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s lacks the markers %q and %q", path, begin, end)
	}
	want := doc[:i+len(begin)] + "\n" + content + "\n" + doc[j:]
	switch {
	case want == doc:
		return nil
	case update:
		return os.WriteFile(path, []byte(want), 0o644)
	}
	return fmt.Errorf("%s is %w", path, ErrStale)
}
