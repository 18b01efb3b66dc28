package dev.weft.http;

import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FanOut: results in order, the first failure cancels the rest, the limit holds, nothing outlives the call. */
@ExtendWith(NoLeakedThreads.class)
class FanOutTest {

    private static final Duration LATCH = Duration.ofSeconds(15);

    @Test
    void resultsComeInTaskOrderWhateverOrderTheyFinishIn() throws Exception {
        CountDownLatch secondDone = new CountDownLatch(1);
        List<String> results = FanOut.all(Context.background(), List.of(
                c -> secondDone.await(LATCH.toSeconds(), TimeUnit.SECONDS) ? "first" : "timed out",
                c -> {
                    secondDone.countDown();
                    return "second";
                },
                c -> null));
        assertEquals(java.util.Arrays.asList("first", "second", null), results);
    }

    @Test
    void theFirstFailureIsThrownAsItIsAndCancelsTheOthers() {
        CountDownLatch blocked = new CountDownLatch(1);
        AtomicInteger cancelled = new AtomicInteger();
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> FanOut.all(Context.background(), List.<FanOut.Task<String>>of(
                c -> {
                    blocked.countDown();
                    c.await(); // until the sibling's failure cancels it
                    cancelled.incrementAndGet();
                    return "never used";
                },
                c -> {
                    assertTrue(blocked.await(LATCH.toSeconds(), TimeUnit.SECONDS));
                    throw boom;
                })));
        assertSame(boom, thrown);
        assertEquals(1, cancelled.get(), "the blocked sibling saw its context cancelled before all() returned");
    }

    @Test
    void atMostLimitTasksRunAtOnce() throws Exception {
        int limit = 3;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        List<FanOut.Task<Integer>> tasks = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int n = i;
            tasks.add(c -> {
                most.accumulateAndGet(running.incrementAndGet(), Math::max);
                Thread.yield();
                running.decrementAndGet();
                return n;
            });
        }
        List<Integer> results = FanOut.all(Context.background(), limit, tasks);
        assertEquals(20, results.size());
        assertEquals(19, results.get(19));
        assertTrue(most.get() >= 1 && most.get() <= limit, "at most " + limit + " at once, saw " + most.get());
    }

    @Test
    void aDoneParentIsSeenByEveryTask() throws Exception {
        CancelContext parent = Context.withCancel(Context.background());
        parent.cancel();
        List<Boolean> done = FanOut.all(parent, List.of(Context::isDone, Context::isDone));
        assertEquals(List.of(true, true), done);
    }

    @Test
    void interruptingTheCallerCancelsTheTasksAndEndsThemBeforeItThrows() throws Exception {
        CountDownLatch started = new CountDownLatch(2);
        AtomicInteger ended = new AtomicInteger();
        AtomicInteger endedWhenThrown = new AtomicInteger(-1);
        try (ExecutorService caller = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> call = caller.submit(() -> {
                try {
                    FanOut.all(Context.background(), List.<FanOut.Task<String>>of(
                            c -> hang(c, started, ended), c -> hang(c, started, ended)));
                } catch (InterruptedException e) {
                    endedWhenThrown.set(ended.get());
                }
                return null;
            });
            assertTrue(started.await(LATCH.toSeconds(), TimeUnit.SECONDS));
            call.cancel(true);
            caller.shutdown();
            assertTrue(caller.awaitTermination(LATCH.toSeconds(), TimeUnit.SECONDS));
        }
        assertEquals(2, endedWhenThrown.get(), "both tasks ended before all() threw");
    }

    @Test
    void interruptingTheCallerWhileItWaitsForASlotEndsTheRunningTasksAndStartsNoMore() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger ended = new AtomicInteger();
        AtomicInteger secondRan = new AtomicInteger();
        AtomicInteger endedWhenThrown = new AtomicInteger(-1);
        try (ExecutorService caller = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> call = caller.submit(() -> {
                try {
                    // Limit 1 and the first task hangs: the caller blocks in go() for the second.
                    FanOut.all(Context.background(), 1, List.<FanOut.Task<String>>of(
                            c -> hang(c, started, ended), c -> String.valueOf(secondRan.incrementAndGet())));
                } catch (InterruptedException e) {
                    endedWhenThrown.set(ended.get());
                }
                return null;
            });
            assertTrue(started.await(LATCH.toSeconds(), TimeUnit.SECONDS));
            call.cancel(true);
            caller.shutdown();
            assertTrue(caller.awaitTermination(LATCH.toSeconds(), TimeUnit.SECONDS));
        }
        assertEquals(1, endedWhenThrown.get(), "the running task ended before all() threw");
        assertEquals(0, secondRan.get(), "no task starts after the interrupt");
    }

    private static String hang(Context c, CountDownLatch started, AtomicInteger ended) throws InterruptedException {
        started.countDown();
        try {
            c.await();
            return "cancelled";
        } finally {
            ended.incrementAndGet();
        }
    }
}
