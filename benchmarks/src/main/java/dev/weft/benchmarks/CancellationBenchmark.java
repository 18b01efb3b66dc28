package dev.weft.benchmarks;

import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Channel;
import dev.weft.patterns.Context;
import dev.weft.patterns.ContextDoneException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 * wait until every one of them has returned. Go's twin: {@code BenchmarkCancel10kWaiters} in
 * {@code benchmarks/go}.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 20)
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
        CountDownLatch parked = new CountDownLatch(WAITERS);
        CancelContext mine = ctx;
        CountDownLatch done = returned;
        for (int i = 0; i < WAITERS; i++) {
            Vt.start(() -> {
                parked.countDown();
                try {
                    empty.receive(mine);
                } catch (ContextDoneException expected) {
                    done.countDown();
                }
            });
        }
        // Counted down just before receive(): a straggler not yet parked when cancel() runs
        // sees the context done on entry, which is also cancellation reaching it.
        parked.await();
    }

    @Benchmark
    public void cancelReaches10kWaiters() throws InterruptedException {
        ctx.cancel();
        returned.await();
    }

    @TearDown(Level.Invocation)
    public void check() {
        if (returned.getCount() != 0) {
            throw new IllegalStateException(returned.getCount() + " waiters did not return");
        }
    }
}
