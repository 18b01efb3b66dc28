package dev.weft.patterns;

import static dev.weft.patterns.TestThreads.BRIEF;
import static dev.weft.patterns.TestThreads.awaitTrue;
import static dev.weft.patterns.TestThreads.go;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.patterns.TestThreads.Handle;
import dev.weft.patterns.testing.NoLeakedThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedThreads.class)
class WorkerPoolTest {

    @Test
    void workersDrainTheJobsAndResultsCloseWhenAllHaveFinished() throws Exception {
        Channel<Integer> jobs = Channel.buffered(10);
        WorkerPool<Integer, Integer> pool = WorkerPool.start(Context.background(), jobs, 4, n -> n * n);
        Handle producer = go(() -> {
            for (int i = 0; i < 100; i++) {
                jobs.send(i);
            }
            jobs.close();
        });
        Set<Integer> squares = new HashSet<>();
        for (WorkerPool.Result<Integer, Integer> r : pool.results()) {
            assertTrue(r.ok());
            assertEquals(r.job() * r.job(), r.value());
            squares.add(r.value());
        }
        producer.join();
        assertEquals(100, squares.size());
        assertTrue(pool.await(TestThreads.BOUND));
        assertTrue(pool.results().isClosed());
    }

    @Test
    void aFailingJobBecomesAFailureResultAndItsWorkerGoesOn() throws Exception {
        Channel<Integer> jobs = Channel.buffered(10);
        WorkerPool<Integer, String> pool = WorkerPool.start(Context.background(), jobs, 1, n -> {
            if (n % 2 == 1) {
                throw new IllegalArgumentException("odd " + n);
            }
            return "even " + n;
        });
        for (int i = 0; i < 6; i++) {
            jobs.send(i);
        }
        jobs.close();
        List<WorkerPool.Result<Integer, String>> results = new ArrayList<>();
        pool.results().forEach(results::add);
        assertEquals(6, results.size(), "one worker processed every job despite failures");
        for (WorkerPool.Result<Integer, String> r : results) {
            if (r.job() % 2 == 1) {
                assertFalse(r.ok());
                assertInstanceOf(IllegalArgumentException.class, r.failure());
            } else {
                assertEquals("even " + r.job(), r.value());
            }
        }
    }

    @Test
    void aSlowConsumerAppliesBackpressure() throws Exception {
        assertBackpressure(2, 2, (jobs, task) -> WorkerPool.start(Context.background(), jobs, 2, task));
    }

    @Test
    void aLargerResultsBufferStillHoldsTheWorkersBack() throws Exception {
        assertBackpressure(2, 10, (jobs, task) -> WorkerPool.start(Context.background(), jobs, 2, 10, null, task));
    }

    /** Nobody reads results: the buffer fills to {@code capacity}, plus one result in hand per worker. */
    private static void assertBackpressure(int workers, int capacity,
            BiFunction<Channel<Integer>, WorkerPool.Task<Integer, Integer>, WorkerPool<Integer, Integer>> start)
            throws Exception {
        Channel<Integer> jobs = Channel.buffered(100);
        for (int i = 0; i < 100; i++) {
            jobs.send(i);
        }
        jobs.close();
        AtomicInteger processed = new AtomicInteger();
        WorkerPool<Integer, Integer> pool = start.apply(jobs, n -> {
            processed.incrementAndGet();
            return n;
        });
        awaitTrue("results buffer full", () -> pool.results().len() == capacity);
        assertFalse(pool.await(BRIEF));
        assertEquals(capacity, pool.results().cap());
        assertTrue(processed.get() <= capacity + workers, "processed " + processed.get());
        int received = 0;
        for (WorkerPool.Result<Integer, Integer> ignored : pool.results()) {
            received++;
        }
        assertEquals(100, received);
    }

    @Test
    void cancellingStopsWorkersBlockedOnReceiveAndOnSend() throws Exception {
        CancelContext ctx = Context.withCancel(Context.background());
        Channel<Integer> jobs = Channel.unbuffered();
        WorkerPool<Integer, Integer> idle = WorkerPool.start(ctx, jobs, 3, n -> n);
        Channel<Integer> many = Channel.buffered(50);
        for (int i = 0; i < 50; i++) {
            many.send(i);
        }
        WorkerPool<Integer, Integer> stuck = WorkerPool.start(ctx, many, 3, n -> n);
        awaitTrue("idle workers blocked", () -> jobs.waitingReceivers() == 3);
        awaitTrue("results full", () -> stuck.results().len() == 3);
        ctx.cancel();
        assertTrue(idle.await(TestThreads.BOUND));
        assertTrue(stuck.await(TestThreads.BOUND));
        assertTrue(idle.results().receiveOrClosed().closed());
    }

    @Test
    void rateLimitedPoolTakesATokenPerJob() throws Exception {
        // Fake clock that never moves: only the burst of 3 tokens is ever available in time.
        RateLimiter limiter = new RateLimiter(1.0 / 3600, 3, () -> 0L);
        CancelContext ctx = Context.withTimeout(Context.background(), Duration.ofMinutes(1));
        try {
            Channel<Integer> jobs = Channel.buffered(5);
            for (int i = 0; i < 5; i++) {
                jobs.send(i);
            }
            jobs.close();
            WorkerPool<Integer, Integer> pool = WorkerPool.start(ctx, jobs, 2, limiter, n -> n);
            int ok = 0;
            int refused = 0;
            for (WorkerPool.Result<Integer, Integer> r : pool.results()) {
                if (r.ok()) {
                    ok++;
                } else {
                    assertInstanceOf(RateLimiter.WaitRefusedException.class, r.failure());
                    refused++;
                }
            }
            assertEquals(3, ok, "three jobs got the burst's tokens");
            assertEquals(2, refused, "the others would have waited past the deadline");
        } finally {
            ctx.cancel();
        }
    }

    @Test
    void argumentsAreChecked() {
        assertThrows(IllegalArgumentException.class,
                () -> WorkerPool.start(Context.background(), Channel.unbuffered(), 0, n -> n));
        assertThrows(IllegalArgumentException.class,
                () -> WorkerPool.start(Context.background(), Channel.unbuffered(), 1, 0, null, n -> n));
    }

    @Test
    void resultsAreReceiveOnlySoOnlyThePoolClosesThem() throws Exception {
        Channel<Integer> jobs = Channel.buffered(1);
        WorkerPool<Integer, Integer> pool = WorkerPool.start(Context.background(), jobs.receiveOnly(), 1, n -> n);
        assertFalse(pool.results() instanceof SendChannel<?>);
        jobs.send(3);
        jobs.close();
        assertEquals(3, pool.results().receive().value());
        assertTrue(pool.results().receiveOrClosed().closed());
        pool.await();
    }
}
