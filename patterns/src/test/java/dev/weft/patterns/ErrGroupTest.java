package dev.weft.patterns;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.weft.patterns.TestThreads.awaitLatch;
import static dev.weft.patterns.TestThreads.awaitTrue;
import static dev.weft.patterns.TestThreads.go;

import dev.weft.patterns.TestThreads.Handle;
import dev.weft.patterns.testing.NoLeakedThreads;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedThreads.class)
class ErrGroupTest {

    @Test
    void successCancelsTheDerivedContextOnAwait() throws Exception {
        CancelContext parent = Context.withCancel(Context.background());
        ErrGroup group = ErrGroup.withContext(parent);
        AtomicInteger sum = new AtomicInteger();
        for (int i = 1; i <= 10; i++) {
            int n = i;
            group.go(() -> sum.addAndGet(n));
        }
        assertFalse(group.context().isDone());
        group.await();
        assertEquals(55, sum.get());
        assertTrue(group.context().isDone());
        assertInstanceOf(ContextCanceledException.class, group.context().err());
        assertFalse(parent.isDone(), "the group never cancels its parent");
        parent.cancel();
    }

    @Test
    void firstErrorWinsAndCancelsContextWithItAsCause() throws InterruptedException {
        ErrGroup group = new ErrGroup();
        Exception first = new Exception("first");
        CountDownLatch firstRecorded = new CountDownLatch(1);
        group.go(() -> { throw first; });
        // The second failure is only thrown once the first is observably recorded.
        group.go(() -> {
            // The first failure also interrupts this task (or it starts already interrupted):
            // wait on, until the failure has cancelled the context.
            while (!group.context().isDone()) {
                try {
                    group.context().await();
                } catch (InterruptedException interruptedByTheFailure) {
                    // expected; keep waiting for the context
                }
            }
            firstRecorded.countDown();
            throw new IllegalStateException("second");
        });
        ExecutionException thrown = assertThrows(ExecutionException.class, group::await);
        assertSame(first, thrown.getCause());
        assertTrue(firstRecorded.await(0, SECONDS));
        assertSame(first, group.context().cause());
        assertSame(first, group.context().err().getCause());
    }

    @Test
    void failureInterruptsRunningSiblings() throws InterruptedException {
        ErrGroup group = new ErrGroup();
        CountDownLatch siblingsBlocked = new CountDownLatch(2);
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger interrupted = new AtomicInteger();
        for (int i = 0; i < 2; i++) {
            group.go(() -> {
                siblingsBlocked.countDown();
                try {
                    never.await();
                } catch (InterruptedException e) {
                    interrupted.incrementAndGet();
                    throw e;
                }
            });
        }
        RuntimeException boom = new RuntimeException("boom");
        group.go(() -> {
            siblingsBlocked.await();
            throw boom;
        });
        ExecutionException thrown = assertThrows(ExecutionException.class, group::await);
        assertSame(boom, thrown.getCause(), "the siblings' InterruptedExceptions do not replace it");
        assertEquals(2, interrupted.get());
    }

    @Test
    void taskStartedAfterFailureRunsInterrupted() throws InterruptedException {
        ErrGroup group = new ErrGroup();
        group.go(() -> { throw new Exception("first"); });
        assertTrue(group.context().await(Duration.ofSeconds(10)));
        AtomicReference<Boolean> interrupted = new AtomicReference<>();
        group.go(() -> interrupted.set(Thread.currentThread().isInterrupted()));
        assertThrows(ExecutionException.class, group::await);
        assertTrue(interrupted.get());
    }

    @Test
    void setLimitWhileTasksAreActiveThrows() throws Exception {
        ErrGroup group = new ErrGroup();
        CountDownLatch release = new CountDownLatch(1);
        group.go(release::await);
        assertThrows(IllegalStateException.class, () -> group.setLimit(3));
        release.countDown();
        group.await();
        group.setLimit(3);
    }

    @Test
    void limitZeroRejectsTryGoAndBlocksGoUntilInterrupted() throws Exception {
        ErrGroup group = new ErrGroup();
        group.setLimit(0);
        assertFalse(group.tryGo(() -> {}));

        AtomicInteger ran = new AtomicInteger();
        Handle caller = go(() -> group.go(ran::incrementAndGet));
        awaitTrue("go parked for a slot", () -> caller.thread.getState() == Thread.State.WAITING);
        caller.thread.interrupt();
        assertInstanceOf(InterruptedException.class, caller.failure());
        assertEquals(0, ran.get());
        group.await();
    }

    @Test
    void goIgnoresTheInterruptStatusWhenASlotIsFree() throws Exception {
        ErrGroup group = new ErrGroup();
        CountDownLatch ran = new CountDownLatch(1);
        Thread.currentThread().interrupt();
        try {
            group.go(ran::countDown);
        } finally {
            assertTrue(Thread.interrupted(), "go leaves the status alone");
        }
        group.await();
        assertEquals(0, ran.getCount());
    }

    @Test
    void closeCancelsInterruptsAndWaitsForEveryTask() throws Exception {
        CountDownLatch blocked = new CountDownLatch(2);
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger ended = new AtomicInteger();
        Context groupContext;
        try (ErrGroup group = new ErrGroup()) {
            groupContext = group.context();
            group.go(() -> {                      // honours interruption
                blocked.countDown();
                try {
                    never.await();
                } finally {
                    ended.incrementAndGet();
                }
            });
            group.go(() -> {                      // honours only the context
                blocked.countDown();
                while (true) {
                    try {
                        group.context().await();
                        break;
                    } catch (InterruptedException ignored) {
                        // keep waiting for the context
                    }
                }
                ended.incrementAndGet();
            });
            awaitLatch(blocked);
        }
        assertEquals(2, ended.get(), "close returns only once every task has finished");
        assertTrue(groupContext.isDone());
    }

    @Test
    void closeWaitsThroughAnInterruptAndRestoresIt() throws Exception {
        ErrGroup group = new ErrGroup();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger finished = new AtomicInteger();
        // Ignores its interrupt and its context: only the latch ends it.
        group.go(() -> {
            started.countDown();
            while (true) {
                try {
                    release.await();
                    finished.incrementAndGet();
                    return;
                } catch (InterruptedException ignored) {
                    // keep waiting
                }
            }
        });
        awaitLatch(started);
        AtomicReference<Boolean> interruptedAfterClose = new AtomicReference<>();
        Handle closer = go(() -> {
            group.close();
            interruptedAfterClose.set(Thread.currentThread().isInterrupted());
        });
        awaitTrue("close waiting", () -> closer.thread.getState() == Thread.State.WAITING);
        closer.thread.interrupt();
        assertFalse(closer.finishesWithin(TestThreads.BRIEF), "close must not give up on an interrupt");
        release.countDown();
        closer.join();
        assertEquals(1, finished.get());
        assertTrue(interruptedAfterClose.get());
    }

    @Test
    void aClosedGroupStartsNoMoreTasks() throws Exception {
        ErrGroup group = new ErrGroup();
        group.close();
        group.close();
        assertThrows(IllegalStateException.class, () -> group.go(() -> {}));
        assertThrows(IllegalStateException.class, () -> group.tryGo(() -> {}));
        group.await();
    }

    @Test
    void raisingTheLimitReleasesBlockedGo() throws Exception {
        ErrGroup group = new ErrGroup();
        group.setLimit(0);
        CountDownLatch ran = new CountDownLatch(1);
        Handle caller = go(() -> group.go(ran::countDown));
        awaitTrue("go parked for a slot", () -> caller.thread.getState() == Thread.State.WAITING);
        group.setLimit(1);
        awaitLatch(ran);
        caller.join();
        group.await();
    }

    @Test
    void limitIsNeverExceeded() throws Exception {
        int limit = 3;
        ErrGroup group = new ErrGroup();
        group.setLimit(limit);
        AtomicInteger current = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        for (int i = 0; i < 300; i++) {
            ErrGroup.Task task = () -> {
                int now = current.incrementAndGet();
                max.accumulateAndGet(now, Math::max);
                Thread.yield();
                current.decrementAndGet();
            };
            if (i % 2 == 0) {
                group.go(task);
            } else {
                group.tryGo(task);
            }
        }
        group.await();
        assertTrue(max.get() <= limit, "max concurrency " + max.get());
    }

    @Test
    void noThreadOutlivesAwait() throws Exception {
        Set<Thread> before = Set.copyOf(WeftThreads.liveThreads());
        ErrGroup group = new ErrGroup();
        for (int i = 0; i < 100; i++) {
            group.go(Thread::yield);
        }
        group.go(() -> { throw new Exception("one fails"); });
        assertThrows(ExecutionException.class, group::await);
        // A task's thread uncounts itself in a finally just after await() can already return.
        assertEquals(List.of(), NoLeakedThreads.awaitLeaks(before, Duration.ofSeconds(5)));
    }

    @Test
    void uncancelledGroupHasNoFailure() throws Exception {
        ErrGroup group = new ErrGroup();
        group.await();
        assertTrue(group.context().isDone());
        assertNull(group.context().cause().getCause());
    }
}
