package redistest

import "testing"

func TestStartAnswersPing(t *testing.T) {
	s := Start(t)
	if err := ping(s.Addr); err != nil {
		t.Fatalf("ping %s: %v", s.Addr, err)
	}
	if s.URL != "redis://"+s.Addr+"/0" {
		t.Errorf("URL = %q", s.URL)
	}
}
