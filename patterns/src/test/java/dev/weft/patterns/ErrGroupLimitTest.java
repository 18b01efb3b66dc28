package dev.weft.patterns;

import static dev.weft.patterns.TestThreads.awaitTrue;
import static dev.weft.patterns.TestThreads.go;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.patterns.TestThreads.Handle;
import dev.weft.patterns.testing.NoLeakedThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The admission under {@link ErrGroup#setLimit}: slots handed from finishing tasks to blocked
 * {@code go} calls. Invariants: never more than the limit running, every admitted task runs once,
 * a refused call runs nothing, and no slot is lost (afterwards the full limit can run again).
 */
@ExtendWith(NoLeakedThreads.class)
class ErrGroupLimitTest {

    private final AtomicInteger current = new AtomicInteger();
    private final AtomicInteger max = new AtomicInteger();
    private final AtomicInteger ran = new AtomicInteger();

    private final ErrGroup.Task counted = () -> {
        max.accumulateAndGet(current.incrementAndGet(), Math::max);
        Thread.yield();
        current.decrementAndGet();
        ran.incrementAndGet();
    };

    @Test
    void concurrentCallersNeverPassTheLimitAndEveryTaskRunsOnce() throws Exception {
        int limit = 4;
        int callers = 4;
        int each = 500;
        ErrGroup group = new ErrGroup();
        group.setLimit(limit);
        joinAll(callers(callers, () -> {
            for (int i = 0; i < each; i++) {
                group.go(counted);
            }
        }));
        group.await();
        assertEquals(callers * each, ran.get());
        assertTrue(max.get() <= limit, "max concurrency " + max.get());
        assertEverySlotFree(group, limit);
    }

    @Test
    void interruptedCallersStartNothingAndLoseNoSlot() throws Exception {
        int limit = 2;
        int callers = 6;
        int each = 200;
        ErrGroup group = new ErrGroup();
        group.setLimit(limit);
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        List<Handle> handles = callers(callers, () -> {
            for (int i = 0; i < each; i++) {
                try {
                    group.go(counted);
                    admitted.incrementAndGet();
                } catch (InterruptedException e) {
                    refused.incrementAndGet();
                }
            }
            Thread.interrupted(); // a late interrupt may still be pending
        });
        // Interrupts land at random points: while queued, while being granted a slot, between calls.
        Handle interrupter = go(() -> {
            while (!handles.stream().allMatch(Handle::isFinished)) {
                handles.get(ThreadLocalRandom.current().nextInt(callers)).thread.interrupt();
                Thread.yield();
            }
        });
        joinAll(handles);
        interrupter.join();
        group.await();
        assertEquals(callers * each, admitted.get() + refused.get());
        assertEquals(admitted.get(), ran.get(), "every admitted task ran, no refused one did");
        assertTrue(max.get() <= limit, "max concurrency " + max.get());
        assertEverySlotFree(group, limit);
    }

    @Test
    void closeEndsAGoBlockedForASlot() throws Exception {
        ErrGroup group = new ErrGroup();
        group.setLimit(0);
        Handle caller = go(() -> group.go(counted));
        awaitTrue("go parked for a slot", () -> caller.thread.getState() == Thread.State.WAITING);
        group.close();
        assertInstanceOf(IllegalStateException.class, caller.failure());
        assertEquals(0, ran.get());
    }

    /**
     * close() racing callers queued for a slot while tasks finish and hand slots on: a caller
     * that sees the close after it queued must leave the queue, or a later hand-off would give
     * it a slot that close() then waits for forever (close() is bounded by the join). Every call
     * either ran its task or was refused, and nothing runs once close() has returned.
     */
    @Test
    void closeRacingQueuedCallersReturnsAndEveryCallRanOrWasRefused() throws Exception {
        int callers = 4;
        int each = 20;
        for (int round = 0; round < 200; round++) {
            ErrGroup group = new ErrGroup();
            group.setLimit(1);
            AtomicInteger admitted = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger ranHere = new AtomicInteger();
            AtomicInteger ranAfterClose = new AtomicInteger();
            AtomicBoolean closeReturned = new AtomicBoolean();
            ErrGroup.Task task = () -> {
                Thread.yield();
                if (closeReturned.get()) {
                    ranAfterClose.incrementAndGet();
                }
                ranHere.incrementAndGet();
            };
            List<Handle> handles = callers(callers, () -> {
                for (int i = 0; i < each; i++) {
                    try {
                        group.go(task);
                        admitted.incrementAndGet();
                    } catch (IllegalStateException closed) {
                        refused.incrementAndGet();
                    }
                }
            });
            Handle closer = go(() -> {
                Thread.yield();
                group.close();
                closeReturned.set(true);
            });
            closer.join();
            joinAll(handles);
            assertEquals(callers * each, admitted.get() + refused.get(), "round " + round);
            assertEquals(admitted.get(), ranHere.get(), "round " + round + ": every admitted task ran, no refused one");
            assertEquals(0, ranAfterClose.get(), "round " + round + ": a task ran after close() returned");
        }
    }

    private static List<Handle> callers(int n, TestThreads.Body body) {
        List<Handle> handles = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            handles.add(go(body));
        }
        return handles;
    }

    private static void joinAll(List<Handle> handles) throws Exception {
        for (Handle h : handles) {
            h.join();
        }
    }

    /** The full limit can be taken at once, and no more: no slot leaked or was counted twice. */
    private static void assertEverySlotFree(ErrGroup group, int limit) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        for (int i = 0; i < limit; i++) {
            assertTrue(group.tryGo(release::await), "slot " + i + " free");
        }
        assertFalse(group.tryGo(() -> {}), "the limit still holds");
        release.countDown();
        group.await();
    }
}
