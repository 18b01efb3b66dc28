package dev.weft.benchmarks;

import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Channel;
import dev.weft.patterns.Context;
import dev.weft.patterns.ContextDoneException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cancellation reaching 10,000 waiters: 10,000 virtual threads blocked in {@code receive(ctx)}
 * on an empty channel (set up outside the measurement); one operation is {@code cancel()} plus the
 * wait until every one of them has returned, both on a virtual thread, as Go's benchmark goroutine
 * does them. Go's twin: {@code BenchmarkCancel10kWaiters} in {@code benchmarks/go}.
 *
 * <p>Single-shot, since each cancel needs 10,000 fresh waiters: 50 measured cancels per fork (Go
 * averages 50 per sample too) so the error bar is narrow. The set-up waits until every waiter is
 * parked (a straggler would see the context done on entry, which costs less), then collects its
 * own garbage, so that a collection of 10,000 threads' set-up does not land inside one sample.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 50)
@Fork(1)
@State(Scope.Benchmark)
public class CancellationBenchmark {

    static final int WAITERS = 10_000;

    private CancelContext ctx;
    private CountDownLatch returned;

    @Setup(Level.Invocation)
    public void parkWaiters() throws InterruptedException {
        ctx = Context.withCancel(Context.background());
        Channel<Integer> empty = Channel.unbuffered();
        returned = new CountDownLatch(WAITERS);
        CancelContext mine = ctx;
        CountDownLatch done = returned;
        Thread[] waiters = new Thread[WAITERS];
        for (int i = 0; i < WAITERS; i++) {
            waiters[i] = Vt.start(() -> {
                try {
                    empty.receive(mine);
                } catch (ContextDoneException expected) {
                    done.countDown();
                }
            });
        }
        for (Thread t : waiters) {
            while (t.getState() != Thread.State.WAITING) {
                LockSupport.parkNanos(100_000); // not a spin: the waiters need both carriers
            }
        }
        System.gc();
    }

    @Benchmark
    public void cancelReaches10kWaiters() throws InterruptedException {
        Vt.runAll(() -> {
            ctx.cancel();
            returned.await();
        });
    }

    @TearDown(Level.Invocation)
    public void check() {
        if (returned.getCount() != 0) {
            throw new IllegalStateException(returned.getCount() + " waiters did not return");
        }
    }
}
