package dev.weft.worker;

import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NoLeakedThreads.class)
class WorkerServiceTest {

    @Test
    void runsEveryAcceptedTaskExactlyOnceAndDrainsOnStop() throws Exception {
        WorkerService pool = new WorkerService(4, 1000);
        pool.start();
        Set<Integer> ran = ConcurrentHashMap.newKeySet();
        int n = 500;
        for (int i = 0; i < n; i++) {
            int id = i;
            assertEquals(WorkerService.Admission.ACCEPTED, pool.submit(ctx -> assertTrue(ran.add(id), "ran twice: " + id)));
        }
        assertTrue(pool.stop(Context.withTimeout(Context.background(), Duration.ofSeconds(30))));
        assertEquals(n, ran.size());
        assertEquals(new WorkerService.Counts(n, n, 0, 0, 0), pool.counts());
        assertEquals(WorkerService.Admission.SHUTTING_DOWN, pool.submit(ctx -> { }));
    }

    @Test
    void fullQueueRejectsWithoutBlocking() throws Exception {
        WorkerService pool = new WorkerService(1, 2);
        pool.start();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        assertEquals(WorkerService.Admission.ACCEPTED, pool.submit(ctx -> {
            running.countDown();
            release.await();
        }));
        assertTrue(running.await(5, TimeUnit.SECONDS));
        assertEquals(WorkerService.Admission.ACCEPTED, pool.submit(ctx -> { }));
        assertEquals(WorkerService.Admission.ACCEPTED, pool.submit(ctx -> { }));
        assertEquals(WorkerService.Admission.QUEUE_FULL, pool.submit(ctx -> { }));
        release.countDown();
        assertTrue(pool.stop(Context.withTimeout(Context.background(), Duration.ofSeconds(30))));
        assertEquals(new WorkerService.Counts(3, 3, 0, 0, 0), pool.counts());
    }

    @Test
    void budgetEndCancelsRunningTasksAndAbandonsQueuedOnesAndCountsAddUp() throws Exception {
        WorkerService pool = new WorkerService(2, 100);
        pool.start();
        CountDownLatch bothRunning = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) {
            pool.submit(ctx -> {
                bothRunning.countDown();
                ctx.await(); // runs until the budget ends
                ctx.throwIfDone();
            });
        }
        assertTrue(bothRunning.await(5, TimeUnit.SECONDS));
        for (int i = 0; i < 10; i++) {
            pool.submit(ctx -> { });
        }
        boolean drained = pool.stop(Context.withTimeout(Context.background(), Duration.ofMillis(200)));
        assertFalse(drained);
        WorkerService.Counts c = pool.counts();
        assertEquals(12, c.accepted());
        assertEquals(2, c.cancelled());
        assertEquals(10, c.abandoned());
        assertEquals(c.accepted(), c.succeeded() + c.failed() + c.cancelled() + c.abandoned());
    }

    @Test
    void failingTaskDoesNotKillItsWorker() throws Exception {
        WorkerService pool = new WorkerService(1, 10);
        pool.start();
        pool.submit(ctx -> {
            throw new IllegalStateException("boom");
        });
        CountDownLatch after = new CountDownLatch(1);
        pool.submit(ctx -> after.countDown());
        assertTrue(after.await(5, TimeUnit.SECONDS));
        assertTrue(pool.stop(Context.withTimeout(Context.background(), Duration.ofSeconds(30))));
        assertEquals(new WorkerService.Counts(2, 1, 1, 0, 0), pool.counts());
    }
}
