package scenarios

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// refused runs Parse on data and checks it fails with sentinel, quickly and
// without allocating much more than the input.
func refused(t *testing.T, data []byte, sentinel error) Errors {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Parse("hostile.yaml", data)
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("hostile input parsed without error")
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Errorf("error = %v, want %v", err, sentinel)
	}
	if elapsed > 3*slowdown*time.Second {
		t.Errorf("took %v", elapsed)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
		t.Errorf("allocated %d MiB", alloc>>20)
	}
	var list Errors
	errors.As(err, &list)
	if len(list) > maxErrors+1 {
		t.Errorf("%d errors; the list should be capped", len(list))
	}
	return list
}

func TestHostileInput(t *testing.T) {
	laughs := "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
	for i := 1; i < 30; i++ {
		laughs += fmt.Sprintf("a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	garbage := make([]byte, 512<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(r.UintN(256))
	}
	var unknown bytes.Buffer
	for i := 0; unknown.Len() < MaxFileSize-64; i++ {
		fmt.Fprintf(&unknown, "field%d: %d\n", i, i)
	}
	var deepBlock strings.Builder
	for i := 0; deepBlock.Len() < MaxFileSize/2; i++ {
		deepBlock.WriteString(strings.Repeat(" ", i) + "a:\n")
	}
	tests := []struct {
		name     string
		data     []byte
		sentinel error
	}{
		{"too large", bytes.Repeat([]byte("# padding\n"), MaxFileSize/10+1), ErrTooLarge},
		{"billion laughs", []byte(laughs + "coupon: *a29\n"), ErrAlias},
		{"deep flow", []byte(strings.Repeat("[", MaxFileSize/2)), ErrSyntax},
		{"deep flow within the parser's limit", []byte("a: " + strings.Repeat("[", 5000) + strings.Repeat("]", 5000)), ErrTooDeep},
		{"deep block", []byte(deepBlock.String()), nil},
		{"deep sequence", []byte(strings.Repeat("- ", MaxFileSize/4) + "x"), nil},
		{"binary garbage", garbage, ErrNotText},
		{"NUL bytes", make([]byte, 1000), ErrNotText},
		{"invalid UTF-8", []byte("name: \xff\xfe\n"), ErrNotText},
		{"a megabyte of unknown fields", unknown.Bytes(), nil},
		{"long line", []byte("name: " + strings.Repeat("x", MaxFileSize-10)), nil},
		{"many arms", []byte("arms:\n" + strings.Repeat("  - {name: a, campaign: [{channel: api}]}\n", 2000)), nil},
		{"huge numbers", []byte("population: {users: 99999999999999999999999999}\nseed: 1e400\n"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := refused(t, tt.data, tt.sentinel)
			if len(list) == 0 || list[0].Msg == "" {
				t.Errorf("no clear message: %v", list)
			}
			t.Logf("%d errors, first: %v", len(list), list[0])
		})
	}
}

func TestHugeFileIsNotRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "huge.yaml")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	// A sparse 100 MB file: nothing is written, so the test stays cheap.
	if err := f.Truncate(100 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	start := time.Now()
	_, err = LoadFile(p)
	if !errors.Is(err, ErrTooLarge) || time.Since(start) > slowdown*time.Second {
		t.Errorf("LoadFile(100 MB) = %v after %v", err, time.Since(start))
	}
	if !strings.Contains(err.Error(), "104,857,600 bytes") {
		t.Errorf("message should give the size: %v", err)
	}
}

func TestEndlessStreamIsCut(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := LoadFile("/dev/zero")
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("LoadFile(/dev/zero) = %v", err)
	}
}
