// Go reference for the JMH benchmarks in ../src/main/java/dev/weft/benchmarks: the same shapes,
// so that "vs Go" is measured on the same machine in the same sitting (see ../go-vs-jmh.sh and
// docs/BENCHMARKS.md). Every benchmark reports ns per the operation its JMH twin counts.
package patterns

import (
	"context"
	"sync"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"
)

// PingPongBenchmark: one round trip over two unbuffered channels to an echo goroutine.
func BenchmarkPingPong(b *testing.B) {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ping <- 1
		<-pong
	}
	b.StopTimer()
	close(ping)
}

// BufferedBenchmark: capacity 1024, per message, producers and consumers splitting b.N.
func buffered(b *testing.B, producers, consumers int) {
	ch := make(chan int, 1024)
	var wg sync.WaitGroup
	per := b.N / producers
	total := per * producers
	wg.Add(producers + consumers)
	for p := 0; p < producers; p++ {
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				ch <- 1
			}
		}()
	}
	for c := 0; c < consumers; c++ {
		n := total / consumers
		if c == 0 {
			n += total % consumers
		}
		go func(n int) {
			defer wg.Done()
			for i := 0; i < n; i++ {
				<-ch
			}
		}(n)
	}
	wg.Wait()
}

func BenchmarkBufferedSPSC(b *testing.B) { buffered(b, 1, 1) }
func BenchmarkBufferedMPMC(b *testing.B) { buffered(b, 4, 4) }

// SelectBenchmark: a select over two ready buffered(1) channels; the case that fired refills.
func BenchmarkSelect(b *testing.B) {
	a, c := make(chan int, 1), make(chan int, 1)
	a <- 0
	c <- 1
	for i := 0; i < b.N; i++ {
		select {
		case v := <-a:
			a <- v
		case v := <-c:
			c <- v
		}
	}
}

// ErrGroupBenchmark: fan-out of trivial tasks and one Wait, per task (b.N tasks).
func errGroup(b *testing.B, limit int) {
	var sum sync.Mutex
	n := 0
	g, _ := errgroup.WithContext(context.Background())
	g.SetLimit(limit)
	for i := 0; i < b.N; i++ {
		g.Go(func() error {
			sum.Lock()
			n++
			sum.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkErrGroupNoLimit(b *testing.B) { errGroup(b, -1) }
func BenchmarkErrGroupLimit64(b *testing.B) { errGroup(b, 64) }

// WorkerPoolBenchmark: 8 workers, jobs channel 1024, results channel 8 (or 64), per job.
func workerPool8(b *testing.B, resultsCapacity int) {
	jobs := make(chan int, 1024)
	results := make(chan int64, resultsCapacity)
	go func() {
		for i := 0; i < b.N; i++ {
			jobs <- i
		}
		close(jobs)
	}()
	var wg sync.WaitGroup
	wg.Add(8)
	for w := 0; w < 8; w++ {
		go func() {
			defer wg.Done()
			for j := range jobs {
				results <- int64(j) * int64(j)
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	var sum int64
	for r := range results {
		sum += r
	}
	_ = sum
}

func BenchmarkWorkerPool8(b *testing.B)          { workerPool8(b, 8) }
func BenchmarkWorkerPool8Results64(b *testing.B) { workerPool8(b, 64) }

// CancellationBenchmark: one cancel reaching 10,000 goroutines parked in a select on an empty
// channel and ctx.Done(), until all have returned; per cancel (set-up outside the timer).
func BenchmarkCancel10kWaiters(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ctx, cancel := context.WithCancel(context.Background())
		empty := make(chan int)
		var parked, returned sync.WaitGroup
		parked.Add(10000)
		returned.Add(10000)
		for w := 0; w < 10000; w++ {
			go func() {
				parked.Done()
				select {
				case <-empty:
				case <-ctx.Done():
				}
				returned.Done()
			}()
		}
		parked.Wait()
		b.StartTimer()
		cancel()
		returned.Wait()
	}
}

// ChainBenchmark: 10,000 unbuffered channels in a row, per send-receive pair (b.N pairs).
func BenchmarkChain(b *testing.B) {
	const channels = 10000
	values := b.N / channels
	if values == 0 {
		values = 1
	}
	chs := make([]chan int, channels)
	for i := range chs {
		chs[i] = make(chan int)
	}
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(channels + 1)
	go func() {
		defer wg.Done()
		for i := 0; i < values; i++ {
			chs[0] <- 63
		}
	}()
	for t := 1; t < channels; t++ {
		from, to := chs[t-1], chs[t]
		go func() {
			defer wg.Done()
			for i := 0; i < values; i++ {
				to <- <-from
			}
		}()
	}
	go func() {
		defer wg.Done()
		for i := 0; i < values; i++ {
			<-chs[channels-1]
		}
	}()
	wg.Wait()
	// Per pair, as JMH reports it: values * channels pairs were made (b.N rounded down).
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(values*channels), "ns/pair")
}

// ParallelPairsBenchmark: 10,000 independent sender/receiver pairs, per send-receive pair.
func parallelPairs(b *testing.B, capacity int) {
	const pairs = 10000
	per := b.N / pairs
	if per == 0 {
		per = 1
	}
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(pairs)
	for p := 0; p < pairs; p++ {
		ch := make(chan int, capacity)
		go func() {
			for i := 0; i < per; i++ {
				ch <- 91
			}
		}()
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				<-ch
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(time.Since(start).Nanoseconds())/float64(per*pairs), "ns/pair")
}

func BenchmarkParallelPairs0(b *testing.B)   { parallelPairs(b, 0) }
func BenchmarkParallelPairs16(b *testing.B)  { parallelPairs(b, 16) }
func BenchmarkParallelPairs100(b *testing.B) { parallelPairs(b, 100) }
