package graph

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"
)

func TestTmpBA(t *testing.T) {
	if os.Getenv("CALIB") == "" {
		t.Skip()
	}
	b := time.Hour
	for range 7 {
		s := time.Now()
		BarabasiAlbert(rand.New(rand.NewPCG(1, 2)), 1_000_000, 5)
		b = min(b, time.Since(s))
	}
	fmt.Println("BA", b)
}
