package dev.weft.patterns;

import static dev.weft.patterns.TestThreads.awaitLatch;
import static dev.weft.patterns.TestThreads.go;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.patterns.TestThreads.Handle;
import dev.weft.patterns.testing.NoLeakedThreads;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedThreads.class)
class BoundedRunTest {

    /** Long enough never to be reached when a test is meant to end sooner. */
    private static final Duration LONG = TestThreads.BOUND;

    @Test
    void aTaskThatEndsBeforeItsContextReturnsOnTime() {
        CancelContext ctx = Context.withCancel(Context.background());
        AtomicReference<Context> seen = new AtomicReference<>();
        BoundedRun.Outcome<String> outcome = BoundedRun.run("test", ctx, LONG, c -> {
            seen.set(c);
            return "done";
        });
        assertEquals(new BoundedRun.Returned<>("done", false), outcome);
        assertSame(ctx, seen.get(), "the task gets the context");
        ctx.cancel();
    }

    @Test
    void aTaskThatThrowsBeforeItsContextEndsIsReportedWithItsFailure() {
        IllegalStateException boom = new IllegalStateException("boom");
        BoundedRun.Outcome<Void> outcome = BoundedRun.run("test", Context.background(), LONG, c -> {
            throw boom;
        });
        assertEquals(new BoundedRun.Threw<Void>(boom, false), outcome);
    }

    @Test
    void aTaskThatHonoursItsContextEndsLateWithinTheGrace() {
        CancelContext ctx = Context.withCancel(Context.background());
        WeftThreads.start("test", ctx::cancel);
        BoundedRun.Outcome<String> outcome = BoundedRun.run("test", ctx, LONG, c -> {
            c.await();
            return "wound down";
        });
        assertEquals(new BoundedRun.Returned<>("wound down", true), outcome);
    }

    @Test
    void aTaskThatIgnoresItsContextIsInterruptedAfterTheGrace() {
        CancelContext ctx = Context.withCancel(Context.background());
        ctx.cancel();
        BoundedRun.Outcome<Void> outcome = BoundedRun.run("test", ctx, Duration.ZERO, LONG, c -> {
            new CountDownLatch(1).await();   // only an interrupt ends this
            return null;
        });
        BoundedRun.Stopped<Void> stopped = assertInstanceOf(BoundedRun.Stopped.class, outcome);
        assertInstanceOf(InterruptedException.class, stopped.failure());
    }

    @Test
    void aTaskThatIgnoresItsInterruptTooIsAbandonedAndKeepsRunning() throws Exception {
        CancelContext ctx = Context.withCancel(Context.background());
        ctx.cancel();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch interruptSeen = new CountDownLatch(1);
        BoundedRun.Outcome<Void> outcome = BoundedRun.run("test", ctx, Duration.ZERO, c -> {
            while (true) {
                try {
                    release.await();
                    return null;
                } catch (InterruptedException ignored) {
                    interruptSeen.countDown();
                }
            }
        });
        BoundedRun.Abandoned<Void> abandoned = assertInstanceOf(BoundedRun.Abandoned.class, outcome);
        awaitLatch(interruptSeen);
        assertTrue(abandoned.thread().isAlive(), "Java cannot stop it; it is left to end by itself");
        release.countDown();
        abandoned.thread().join(LONG);
        assertFalse(abandoned.thread().isAlive());
    }

    @Test
    void theWaitGoesOnThroughAnInterruptOfTheCallerAndRestoresIt() throws Exception {
        CancelContext ctx = Context.withCancel(Context.background());
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<BoundedRun.Outcome<String>> outcome = new AtomicReference<>();
        AtomicReference<Boolean> interruptKept = new AtomicReference<>();
        Handle caller = go(() -> {
            outcome.set(BoundedRun.run("test", ctx, LONG, c -> {
                running.countDown();
                release.await();
                return "finished";
            }));
            interruptKept.set(Thread.currentThread().isInterrupted());
        });
        awaitLatch(running);
        caller.thread.interrupt();
        assertFalse(caller.finishesWithin(TestThreads.BRIEF), "an interrupt does not cut the wait short");
        release.countDown();
        caller.join();
        assertEquals(new BoundedRun.Returned<>("finished", false), outcome.get());
        assertTrue(interruptKept.get());
        ctx.cancel();
    }

    @Test
    void everythingTheTaskDidIsVisibleAfterRun() {
        int[] plain = new int[1];
        BoundedRun.Outcome<Object> outcome = BoundedRun.run("test", Context.background(), LONG, c -> {
            plain[0] = 42;
            return null;
        });
        assertNull(((BoundedRun.Returned<Object>) outcome).value());
        assertEquals(42, plain[0]);
    }

    @Test
    void negativeGraceIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> BoundedRun.run("test", Context.background(), Duration.ofMillis(-1), c -> null));
    }
}
