package dev.weft.patterns;

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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Contexts implemented outside the library: they report this library's two errs, and the
 * library's children below them keep the Context contract as far as a foreign parent allows.
 */
@ExtendWith(NoLeakedThreads.class)
class ForeignContextTest {

    /**
     * A minimal foreign context whose afterFunc functions run only when the test says so, to show
     * what a child does before and after its parent's notification reaches it.
     */
    private static final class Foreign implements Context {
        private final CountDownLatch doneLatch = new CountDownLatch(1);
        private volatile ContextDoneException err;
        private final List<Runnable> afterFuncs = new ArrayList<>();

        synchronized void finish(ContextDoneException why) {
            if (err == null) {
                err = why;
                doneLatch.countDown();
            }
        }

        /** Starts every pending afterFunc function, as a real implementation would on finish. */
        void deliverAfterFuncs() {
            List<Runnable> pending;
            synchronized (this) {
                pending = List.copyOf(afterFuncs);
                afterFuncs.clear();
            }
            pending.forEach(f -> WeftThreads.start("afterfunc", f));
        }

        @Override public Optional<Instant> deadline() { return Optional.empty(); }
        @Override public boolean isDone() { return err != null; }
        @Override public void await() throws InterruptedException { doneLatch.await(); }
        @Override public boolean await(Duration timeout) throws InterruptedException {
            return doneLatch.await(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        @Override public ContextDoneException err() { return err; }
        @Override public Throwable cause() {
            ContextDoneException e = err;
            return e == null ? null : e.getCause() != null ? e.getCause() : e;
        }
        @Override public <T> Optional<T> value(Key<T> key) { return Optional.empty(); }

        @Override
        public synchronized AfterFunc afterFunc(Runnable f) {
            afterFuncs.add(f);
            return () -> {
                synchronized (this) {
                    return afterFuncs.remove(f);
                }
            };
        }
    }

    @Test
    void aForeignContextReportsTheLibrarysTwoErrs() throws Exception {
        Foreign cancelled = new Foreign();
        RuntimeException why = new RuntimeException("client went away");
        cancelled.finish(new ContextCanceledException(why));
        Foreign expired = new Foreign();
        expired.finish(new DeadlineExceededException());
        Channel<String> ch = Channel.unbuffered();
        ContextCanceledException c = assertThrows(ContextCanceledException.class, () -> ch.receive(cancelled));
        assertSame(why, c.getCause());
        assertThrows(DeadlineExceededException.class, () -> ch.send(expired, "x"));
    }

    @Test
    void aChildOfAnAlreadyDoneForeignParentIsBornDone() {
        Foreign parent = new Foreign();
        RuntimeException why = new RuntimeException("gone");
        parent.finish(new ContextCanceledException(why));
        CancelContext child = Context.withCancel(parent);
        assertTrue(child.isDone());
        assertSame(parent.err(), child.err());
        assertSame(why, child.cause());
    }

    @Test
    void aChildReportsDoneAsSoonAsItsForeignParentDoesAndItsWaitersWakeOnTheAfterFunc() throws Exception {
        Foreign parent = new Foreign();
        CancelContext child = Context.withCancel(parent);
        CancelContext grandchild = Context.withCancel(child);
        Handle waiter = go(() -> grandchild.await());
        TestThreads.awaitTrue("waiter parked", () -> waiter.thread.getState() == Thread.State.WAITING);

        parent.finish(new DeadlineExceededException());
        // The parent's afterFunc has not run: the child still tells the truth when asked.
        assertTrue(child.isDone());
        assertSame(parent.err(), child.err());
        // Asking completed the child in this thread, and with it its own descendants and waiters.
        assertTrue(grandchild.isDone());
        waiter.join();
        // The parent's notification arrives later and finds nothing left to do.
        parent.deliverAfterFuncs();
    }

    @Test
    void aWaiterOnTheChildAloneWakesWhenTheForeignAfterFuncRuns() throws Exception {
        Foreign parent = new Foreign();
        CancelContext child = Context.withCancel(parent);
        Channel<String> ch = Channel.unbuffered();
        Handle receiver = go(() -> ch.receive(child));
        TestThreads.awaitTrue("receiver queued", () -> ch.waitingReceivers() == 1);
        parent.finish(new ContextCanceledException(null));
        assertFalse(receiver.finishesWithin(TestThreads.BRIEF), "nobody asked, and the afterFunc has not run");
        parent.deliverAfterFuncs();
        ContextCanceledException err = assertInstanceOf(ContextCanceledException.class, receiver.failure());
        assertSame(parent.err(), err);
        assertNull(err.getCause());
    }

    @Test
    void aChildCancelledFirstStopsItsForeignRegistration() {
        Foreign parent = new Foreign();
        CancelContext child = Context.withCancel(parent);
        assertEquals(1, parent.afterFuncs.size());
        child.cancel();
        assertEquals(0, parent.afterFuncs.size(), "a done child does not stay registered");
    }
}
