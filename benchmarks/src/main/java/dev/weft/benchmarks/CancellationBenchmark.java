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
import org.openjdk.jmh.annotations.Param;
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
 * With {@code waiter=jdkFloor} it measures the JDK's floor for the same shape: the same threads
 * parked with {@link LockSupport#park()} and unparked one by one from an array, no context, no
 * channel.
 *
 * <p>Single-shot, since each cancel needs 10,000 fresh waiters: 50 measured cancels per fork (Go
 * averages 50 per sample too) so the error bar is narrow. The set-up first collects the previous
 * invocation's garbage, then waits until every waiter is parked (a straggler would see the context
 * done on entry, which costs less). {@code -prof gc} shows one collection per invocation with
 * {@code stacks=fresh}, the set-up's, and none inside a shot.
 *
 * <p>{@code stacks} says when the waiters parked, relative to a collection:
 *
 * <ul>
 *   <li>{@code fresh}: just before the cancel, as in Go's twin. Their stacks, frozen into stack
 *       chunks on the heap when they parked, are still in the young generation.
 *   <li>{@code acrossGc}: a collection ran after they parked, as it does for waiters that have
 *       waited a while in a service. Their stack chunks are then in the old generation, and
 *       resuming a thread takes HotSpot's slow thaw, which applies the collector's barriers to
 *       every frame: then most of the time goes there, for the JDK floor too, and more for a
 *       deeper stack.
 * </ul>
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 50)
// A young generation of 1 GiB holds a whole invocation's allocation (~13 MB: 10,000 threads and
// their stacks), so the only collections are the set-up's own: a young collection inside a shot
// would land in its time, and one during set-up would move the fresh waiters' stacks.
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmn1g"})
@State(Scope.Benchmark)
public class CancellationBenchmark {

    static final int WAITERS = 10_000;

    /** {@code weft}: {@code receive(ctx)} and {@code cancel()}; {@code jdkFloor}: park, and unpark each. */
    @Param({"weft", "jdkFloor"})
    public String waiter;

    @Param({"fresh", "acrossGc"})
    public String stacks;

    private CancelContext ctx;
    private Thread[] waiters;
    private CountDownLatch returned;

    @Setup(Level.Invocation)
    public void parkWaiters() throws InterruptedException {
        System.gc();
        CancelContext mine = Context.withCancel(Context.background());
        Channel<Integer> empty = Channel.unbuffered();
        CountDownLatch done = new CountDownLatch(WAITERS);
        boolean floor = waiter.equals("jdkFloor");
        waiters = new Thread[WAITERS];
        for (int i = 0; i < WAITERS; i++) {
            waiters[i] = Vt.start(floor
                    ? () -> {
                        LockSupport.park();
                        done.countDown();
                    }
                    : () -> {
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
        if (stacks.equals("acrossGc")) {
            System.gc();
        }
        ctx = mine;
        returned = done;
    }

    @Benchmark
    public void cancelReaches10kWaiters() throws InterruptedException {
        CancelContext mine = ctx;
        Thread[] all = waiters;
        boolean floor = waiter.equals("jdkFloor");
        Vt.runAll(() -> {
            if (floor) {
                for (Thread t : all) {
                    LockSupport.unpark(t);
                }
            } else {
                mine.cancel();
            }
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
