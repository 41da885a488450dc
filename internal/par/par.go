// Package par runs independent pieces of work on a bounded number of
// goroutines. It is the one worker pool the simulator and the strategy
// tools share.
package par

import (
	"context"
	"sync"
)

// ForEach calls fn for every i in [0, n) on up to workers goroutines and
// returns the first error, after which the rest are not started and the
// context fn gets is cancelled; it returns ctx's error when ctx ends first.
// fn must put its result in a place of its own (by i), so that the outcome
// does not depend on the number of workers.
func ForEach(ctx context.Context, workers, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	errc := make(chan error, max(workers, 1))
	var wg sync.WaitGroup
	for range min(max(workers, 1), n) {
		wg.Go(func() {
			for i := range next {
				if err := fn(ctx, i); err != nil {
					errc <- err
					cancel()
					return
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	return ctx.Err()
}
