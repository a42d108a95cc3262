package waitfor

import (
	"sync"
	"testing"
	"time"
)

func TestGroup(t *testing.T) {
	var wg sync.WaitGroup
	if !Group(&wg, time.Second) {
		t.Error("an empty group did not finish")
	}
	release := make(chan struct{})
	wg.Go(func() { <-release })
	if Group(&wg, 10*time.Millisecond) {
		t.Error("a group with a goroutine still running finished")
	}
	close(release)
	if !Group(&wg, 10*time.Second) {
		t.Error("the group did not finish once its goroutine had")
	}
}
