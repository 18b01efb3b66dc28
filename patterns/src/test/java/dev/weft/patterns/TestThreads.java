package dev.weft.patterns;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Test helpers: Weft threads whose failures reach the test, and bounded waits. */
final class TestThreads {

    /** Generous: the machine is small and shared; nothing asserts speed. */
    static final Duration BOUND = Duration.ofSeconds(30);

    /** How long to watch something that must not happen (a blocked call staying blocked). */
    static final Duration BRIEF = Duration.ofMillis(100);

    private TestThreads() {}

    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    /** A started Weft thread; {@link #join()} waits a bounded time and rethrows its failure. */
    static final class Handle {
        final Thread thread;
        final CountDownLatch finished = new CountDownLatch(1);
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        private Handle(String role, Body body) {
            thread = WeftThreads.start(role, () -> {
                try {
                    body.run();
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    finished.countDown();
                }
            });
        }

        boolean isFinished() {
            return finished.getCount() == 0;
        }

        /** Whether it finishes within {@code d}; use with {@link #BRIEF} to show it is blocked. */
        boolean finishesWithin(Duration d) throws InterruptedException {
            return finished.await(d.toNanos(), TimeUnit.NANOSECONDS);
        }

        void join() throws Exception {
            if (!finished.await(BOUND.toNanos(), TimeUnit.NANOSECONDS)) {
                fail("thread " + thread.getName() + " did not finish within " + BOUND);
            }
            Throwable t = failure.get();
            if (t instanceof Exception e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
        }

        Throwable failure() throws InterruptedException {
            if (!finished.await(BOUND.toNanos(), TimeUnit.NANOSECONDS)) {
                fail("thread " + thread.getName() + " did not finish within " + BOUND);
            }
            return failure.get();
        }
    }

    static Handle go(Body body) {
        return new Handle("test", body);
    }

    /** Polls {@code condition} with short parks until it holds, failing after {@link #BOUND}. */
    static void awaitTrue(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting for: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }

    static void awaitLatch(CountDownLatch latch) throws InterruptedException {
        if (!latch.await(BOUND.toNanos(), TimeUnit.NANOSECONDS)) {
            fail("latch not released within " + BOUND);
        }
    }
}
