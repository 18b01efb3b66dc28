package dev.weft.patterns;

import static dev.weft.patterns.TestThreads.BRIEF;
import static dev.weft.patterns.TestThreads.awaitTrue;
import static dev.weft.patterns.TestThreads.go;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.patterns.TestThreads.Handle;
import dev.weft.patterns.testing.NoLeakedThreads;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedThreads.class)
class WeightedSemaphoreTest {

    private static final Context BG = Context.background();

    @Test
    void acquireAndReleaseCountUnits() throws Exception {
        WeightedSemaphore sem = new WeightedSemaphore(10);
        sem.acquire(BG, 3);
        sem.acquire(BG, 7);
        assertEquals(10, sem.held());
        assertFalse(sem.tryAcquire(1));
        sem.release(10);
        assertTrue(sem.tryAcquire(10));
        sem.release(10);
    }

    @Test
    void acquireFailsAtOnceWhenTheContextIsAlreadyDoneEvenIfUnitsAreFree() {
        WeightedSemaphore sem = new WeightedSemaphore(10);
        CancelContext ctx = Context.withCancel(BG);
        ctx.cancel();
        assertSame(ctx.err(), assertThrows(ContextDoneException.class, () -> sem.acquire(ctx, 1)));
        assertEquals(0, sem.held());
    }

    @Test
    void requestLargerThanSizeWaitsUntilTheContextIsDone() throws Exception {
        WeightedSemaphore sem = new WeightedSemaphore(2);
        CancelContext ctx = Context.withCancel(BG);
        Handle big = go(() -> sem.acquire(ctx, 3));
        assertFalse(big.finishesWithin(BRIEF));
        assertTrue(sem.tryAcquire(2), "an impossible request does not block the queue");
        sem.release(2);
        ctx.cancel();
        assertSame(ctx.err(), big.failure());
        assertEquals(0, sem.held());
    }

    @Test
    void waitersAreGrantedInFifoOrderAndABigFrontWaiterIsNotStarved() throws Exception {
        WeightedSemaphore sem = new WeightedSemaphore(4);
        sem.acquire(BG, 3); // 1 free
        List<String> order = new CopyOnWriteArrayList<>();
        Handle big = go(() -> {
            sem.acquire(BG, 4);
            order.add("big");
            sem.release(4);
        });
        awaitTrue("big queued", () -> sem.waiting() == 1);
        Handle small = go(() -> {
            sem.acquire(BG, 1);
            order.add("small");
            sem.release(1);
        });
        awaitTrue("small queued", () -> sem.waiting() == 2);
        // One unit is free and small would fit, but it must wait behind big (Go's rule).
        assertFalse(small.finishesWithin(BRIEF));
        assertFalse(sem.tryAcquire(1), "tryAcquire fails while anyone waits");
        sem.release(3);
        big.join();
        small.join();
        assertEquals(List.of("big", "small"), order);
        assertEquals(0, sem.held());
    }

    @Test
    void cancellingTheFrontWaiterLetsTheOnesBehindItGo() throws Exception {
        WeightedSemaphore sem = new WeightedSemaphore(4);
        sem.acquire(BG, 3);
        CancelContext bigCtx = Context.withCancel(BG);
        Handle big = go(() -> sem.acquire(bigCtx, 4));
        awaitTrue("big queued", () -> sem.waiting() == 1);
        AtomicInteger smallGot = new AtomicInteger();
        Handle small = go(() -> {
            sem.acquire(BG, 1);
            smallGot.set(1);
        });
        awaitTrue("small queued", () -> sem.waiting() == 2);
        bigCtx.cancel();
        assertInstanceOf(ContextDoneException.class, big.failure());
        small.join();
        assertEquals(1, smallGot.get());
        assertEquals(4, sem.held());
        sem.release(4);
    }

    @Test
    void interruptedWaiterLeavesTheQueueHoldingNothing() throws Exception {
        WeightedSemaphore sem = new WeightedSemaphore(1);
        sem.acquire(BG, 1);
        Handle waiter = go(() -> sem.acquire(BG, 1));
        awaitTrue("queued", () -> sem.waiting() == 1);
        waiter.thread.interrupt();
        assertInstanceOf(InterruptedException.class, waiter.failure());
        assertEquals(0, sem.waiting());
        sem.release(1);
        assertEquals(0, sem.held());
    }

    @Test
    void releasingMoreThanHeldThrows() throws Exception {
        WeightedSemaphore sem = new WeightedSemaphore(5);
        sem.acquire(BG, 2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> sem.release(3));
        assertTrue(e.getMessage().contains("released more than held"), e.getMessage());
        assertEquals(2, sem.held());
        assertThrows(IllegalArgumentException.class, () -> sem.acquire(BG, -1));
        sem.release(2);
    }

    @Test
    void concurrentUseNeverExceedsTheSize() throws Exception {
        WeightedSemaphore sem = new WeightedSemaphore(5);
        AtomicInteger inUse = new AtomicInteger();
        AtomicInteger max = new AtomicInteger();
        WaitGroup wg = new WaitGroup();
        for (int i = 0; i < 50; i++) {
            long n = 1 + i % 3;
            wg.go(() -> {
                try {
                    for (int k = 0; k < 50; k++) {
                        sem.acquire(BG, n);
                        int now = inUse.addAndGet((int) n);
                        max.accumulateAndGet(now, Math::max);
                        inUse.addAndGet((int) -n);
                        sem.release(n);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertTrue(wg.await(TestThreads.BOUND));
        assertTrue(max.get() <= 5, "max in use " + max.get());
        assertEquals(0, sem.held());
    }
}
