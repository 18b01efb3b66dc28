package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.weft.worker.WorkerTesting.LIVENESS;
import static dev.weft.worker.WorkerTesting.awaitState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

@ExtendWith(NoLeakedThreads.class)
class WorkerServiceTest {


    private static ObjectNode payload() {
        return JsonNodeFactory.instance.objectNode();
    }

    private static Context budget(Duration d) {
        return Context.withTimeout(Context.background(), d);
    }

    private static UUID accept(WorkerService w, String type) {
        return accept(w, type, payload());
    }

    private static UUID accept(WorkerService w, String type, JsonNode payload) {
        WorkerService.Submission s = w.submit(type, payload);
        return assertInstanceOf(WorkerService.Accepted.class, s, s.toString()).job().id();
    }

    private static void assertCountsAddUp(WorkerService w) {
        WorkerService.Counts c = w.counts();
        assertEquals(c.accepted(), c.succeeded() + c.failed() + c.cancelled() + c.abandoned(), c.toString());
    }

    @Test
    void jobGoesQueuedRunningSucceededWithTimestampsAndResult() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        WorkerService w = WorkerService.builder().workers(1).handler(new TestHandler("gate", (ctx, p) -> {
            running.countDown();
            release.await();
            return IntNode.valueOf(42);
        })).build();
        w.start();
        try {
            WorkerService.Submission s = w.submit("gate", payload());
            Job.Snapshot queued = assertInstanceOf(WorkerService.Accepted.class, s).job();
            assertEquals(JobState.QUEUED, queued.state());
            assertNotNull(queued.submittedAt());
            assertNull(queued.startedAt());
            assertTrue(running.await(LIVENESS.toSeconds(), TimeUnit.SECONDS));
            Job.Snapshot run = w.job(queued.id()).orElseThrow();
            assertEquals(JobState.RUNNING, run.state());
            assertEquals(1, run.attempts());
            assertNotNull(run.startedAt());
            assertNull(run.finishedAt());
            release.countDown();
            Job.Snapshot done = awaitState(w, queued.id(), JobState.SUCCEEDED);
            assertEquals(42, done.result().asInt());
            assertNull(done.error());
            assertFalse(done.finishedAt().isBefore(done.startedAt()));
            assertFalse(done.startedAt().isBefore(done.submittedAt()));
        } finally {
            release.countDown();
            assertTrue(w.stop(budget(Duration.ofSeconds(30))));
        }
        assertEquals(new WorkerService.Counts(1, 1, 0, 0, 0), w.counts());
    }

    @Test
    void everyAcceptedJobRunsExactlyOnceAndStopDrainsTheQueue() throws Exception {
        Set<Integer> ran = ConcurrentHashMap.newKeySet();
        AtomicInteger duplicates = new AtomicInteger();
        WorkerService w = WorkerService.builder().workers(4).queueCapacity(1000)
                .handler(new TestHandler("note", (ctx, p) -> {
                    if (!ran.add(p.get("n").asInt())) {
                        duplicates.incrementAndGet();
                    }
                    return null;
                })).build();
        w.start();
        int n = 300;
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(accept(w, "note", payload().put("n", i)));
        }
        assertTrue(w.stop(budget(Duration.ofSeconds(60))));
        assertEquals(n, ran.size());
        assertEquals(0, duplicates.get());
        for (UUID id : ids) {
            assertEquals(JobState.SUCCEEDED, w.job(id).orElseThrow().state());
        }
        assertEquals(new WorkerService.Counts(n, n, 0, 0, 0), w.counts());
        WorkerService.Rejected late = assertInstanceOf(WorkerService.Rejected.class, w.submit("note", payload().put("n", -1)));
        assertEquals(WorkerService.Reason.SHUTTING_DOWN, late.reason());
    }

    @Test
    void unknownTypeAndInvalidPayloadAreRejectedAsInvalid() throws Exception {
        WorkerService w = WorkerService.builder().handler(new TestHandler("t", (ctx, p) -> null)).build();
        w.start();
        try {
            WorkerService.Rejected unknown = assertInstanceOf(WorkerService.Rejected.class, w.submit("nope", payload()));
            assertEquals(WorkerService.Reason.INVALID, unknown.reason());
            assertTrue(unknown.detail().contains("nope"), unknown.detail());
            WorkerService.Rejected bad = assertInstanceOf(WorkerService.Rejected.class, w.submit("t", payload().put("bad", true)));
            assertEquals(WorkerService.Reason.INVALID, bad.reason());
            assertTrue(bad.detail().contains("bad is set"), bad.detail());
        } finally {
            assertTrue(w.stop(budget(Duration.ofSeconds(30))));
        }
        assertEquals(0, w.counts().accepted());
    }

    @Test
    void fullQueueRejectsWithoutBlockingAndAcceptsAgainOnceItDrains() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        WorkerService w = WorkerService.builder().workers(1).queueCapacity(2)
                .handler(new TestHandler("gate", (ctx, p) -> {
                    running.countDown();
                    release.await();
                    return null;
                })).build();
        w.start();
        try {
            UUID first = accept(w, "gate");
            assertTrue(running.await(LIVENESS.toSeconds(), TimeUnit.SECONDS));
            accept(w, "gate");
            accept(w, "gate");
            assertEquals(2, w.queueDepth());
            WorkerService.Rejected full = assertInstanceOf(WorkerService.Rejected.class, w.submit("gate", payload()));
            assertEquals(WorkerService.Reason.QUEUE_FULL, full.reason());
            release.countDown();
            awaitState(w, first, JobState.SUCCEEDED);
            long deadline = System.nanoTime() + LIVENESS.toNanos();
            while (w.queueDepth() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            accept(w, "gate");
        } finally {
            release.countDown();
            assertTrue(w.stop(budget(Duration.ofSeconds(30))));
        }
        assertEquals(new WorkerService.Counts(4, 4, 0, 0, 0), w.counts());
    }

    @Test
    void storeEvictsTheEarliestFinishedRecordAndRefusesWhenFullOfUnfinishedOnes() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        WorkerService w = WorkerService.builder().workers(1).queueCapacity(10).storeCapacity(3)
                .handler(quick())
                .handler(gate(release)).build();
        w.start();
        try {
            UUID a = accept(w, "quick");
            awaitState(w, a, JobState.SUCCEEDED);
            UUID b = accept(w, "quick");
            awaitState(w, b, JobState.SUCCEEDED);
            UUID g1 = accept(w, "gate");
            UUID g2 = accept(w, "gate");          // evicts a, the earliest finished
            assertTrue(w.job(a).isEmpty());
            assertTrue(w.job(b).isPresent());
            UUID g3 = accept(w, "gate");          // evicts b
            assertTrue(w.job(b).isEmpty());
            WorkerService.Rejected full = assertInstanceOf(WorkerService.Rejected.class, w.submit("gate", payload()));
            assertEquals(WorkerService.Reason.QUEUE_FULL, full.reason());
            for (UUID id : List.of(g1, g2, g3)) {
                assertTrue(w.job(id).isPresent(), "an unfinished record is never evicted");
            }
        } finally {
            release.countDown();
            assertTrue(w.stop(budget(Duration.ofSeconds(30))));
        }
        assertEquals(new WorkerService.Counts(5, 5, 0, 0, 0), w.counts());
    }

    @Test
    void retryableFailuresAreRetriedWithExponentialJitteredBackoffUpToMaxAttempts() throws Exception {
        List<Duration> waits = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger calls = new AtomicInteger();
        WorkerService w = WorkerService.builder().workers(1).maxAttempts(4)
                .backoff(new Backoff(Duration.ofMillis(100), Duration.ofMillis(300)))
                .random(() -> 0.5)
                .sleeper((ctx, d) -> waits.add(d))
                .handler(new TestHandler("flaky", (ctx, p) -> {
                    int n = calls.incrementAndGet();
                    if (n < p.path("succeedOn").asInt(Integer.MAX_VALUE)) {
                        throw new JobHandler.RetryableJobException("busy " + n);
                    }
                    return IntNode.valueOf(n);
                })).build();
        w.start();
        try {
            UUID ok = accept(w, "flaky", payload().put("succeedOn", 3));
            Job.Snapshot s = awaitState(w, ok, JobState.SUCCEEDED);
            assertEquals(3, s.attempts());
            assertEquals(3, s.result().asInt());
            // Base 100 ms then 200 ms; equal jitter at 0.5 gives three quarters of each.
            assertEquals(List.of(Duration.ofMillis(75), Duration.ofMillis(150)), waits);

            waits.clear();
            calls.set(0);
            UUID out = accept(w, "flaky", payload());
            Job.Snapshot f = awaitState(w, out, JobState.FAILED);
            assertEquals(4, f.attempts());
            assertEquals(4, calls.get());
            assertTrue(f.error().contains("after 4 attempts") && f.error().contains("busy 4"), f.error());
            // The base doubles to the cap (300 ms): 100, 200, 300.
            assertEquals(List.of(Duration.ofMillis(75), Duration.ofMillis(150), Duration.ofMillis(225)), waits);
        } finally {
            assertTrue(w.stop(budget(Duration.ofSeconds(30))));
        }
    }

    @Test
    void backoffJitterStaysWithinTheUpperHalfOfTheBase() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));
        assertEquals(Duration.ofMillis(50), b.delay(1, () -> 0.0));
        assertEquals(Duration.ofMillis(400), b.base(3));
        assertEquals(Duration.ofSeconds(10), b.base(40));
        long almostAll = b.delay(2, () -> 0.999_999).toNanos();
        assertTrue(almostAll <= Duration.ofMillis(200).toNanos() && almostAll > Duration.ofMillis(199).toNanos());
    }

    @Test
    void nonRetryableFailureFailsAtOnceAndTheWorkerKeepsWorking() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        WorkerService w = WorkerService.builder().workers(1).maxAttempts(5)
                .handler(new TestHandler("boom", (ctx, p) -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("broken input");
                }))
                .handler(new TestHandler("ok", (ctx, p) -> IntNode.valueOf(1))).build();
        w.start();
        try {
            UUID boom = accept(w, "boom");
            UUID ok = accept(w, "ok");
            Job.Snapshot f = awaitState(w, boom, JobState.FAILED);
            assertEquals(1, f.attempts());
            assertEquals("IllegalStateException: broken input", f.error());
            assertFalse(f.error().contains("\tat "), "no stack trace");
            awaitState(w, ok, JobState.SUCCEEDED);
            assertEquals(1, calls.get());
        } finally {
            assertTrue(w.stop(budget(Duration.ofSeconds(30))));
        }
        assertEquals(new WorkerService.Counts(2, 1, 1, 0, 0), w.counts());
    }

    @Test
    void attemptPastItsTimeoutIsCancelledThroughItsContextAndFails() throws Exception {
        AtomicReference<Throwable> seen = new AtomicReference<>();
        WorkerService w = WorkerService.builder().workers(1).jobTimeout(Duration.ofMillis(100))
                .handler(new TestHandler("slow", (ctx, p) -> {
                    ctx.await();
                    seen.set(ctx.err());
                    throw ctx.err();
                }))
                .handler(new TestHandler("ok", (ctx, p) -> null)).build();
        w.start();
        try {
            UUID slow = accept(w, "slow");
            UUID ok = accept(w, "ok");
            Job.Snapshot f = awaitState(w, slow, JobState.FAILED);
            assertEquals("timed out after 100 ms", f.error());
            assertInstanceOf(dev.weft.patterns.DeadlineExceededException.class, seen.get());
            awaitState(w, ok, JobState.SUCCEEDED);
        } finally {
            assertTrue(w.stop(budget(Duration.ofSeconds(30))));
        }
    }

    @Test
    void handlerIgnoringItsContextIsInterruptedAtItsTimeout() throws Exception {
        WorkerService w = WorkerService.builder().workers(1).jobTimeout(Duration.ofMillis(100))
                .handler(new TestHandler("sleepy", (ctx, p) -> {
                    Thread.sleep(Duration.ofMinutes(5));   // ignores ctx, but not interruption
                    return null;
                })).build();
        w.start();
        try {
            Job.Snapshot f = awaitState(w, accept(w, "sleepy"), JobState.FAILED);
            assertEquals("timed out after 100 ms", f.error());
        } finally {
            assertTrue(w.stop(budget(Duration.ofSeconds(30))));
        }
    }

    @Test
    void aValueReturnedOnlyOnceInterruptedIsATimeoutNotASuccess() throws Exception {
        WorkerService w = WorkerService.builder().workers(1).jobTimeout(Duration.ofMillis(100))
                .handler(new TestHandler("late", (ctx, p) -> {
                    try {
                        new CountDownLatch(1).await();   // ignores ctx; only the interrupt ends it
                        return null;
                    } catch (InterruptedException e) {
                        return JsonNodeFactory.instance.textNode("partial");
                    }
                })).build();
        w.start();
        try {
            Job.Snapshot f = awaitState(w, accept(w, "late"), JobState.FAILED);
            assertEquals("timed out after 100 ms", f.error());
        } finally {
            assertTrue(w.stop(budget(Duration.ofSeconds(30))));
        }
    }

    @Test
    void handlerIgnoringContextAndInterruptsIsAbandonedAndDoesNotHoldItsWorker() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch returned = new CountDownLatch(1);
        WorkerService w = WorkerService.builder().workers(1).jobTimeout(Duration.ofMillis(100)).abandonGrace(Duration.ofMillis(100))
                .handler(new TestHandler("stubborn", (ctx, p) -> {
                    try {
                        while (true) {
                            try {
                                release.await();
                                return null;
                            } catch (InterruptedException ignored) {
                                // the one case that can only be abandoned
                            }
                        }
                    } finally {
                        returned.countDown();
                    }
                }))
                .handler(new TestHandler("ok", (ctx, p) -> null)).build();
        w.start();
        try {
            UUID stubborn = accept(w, "stubborn");
            UUID ok = accept(w, "ok");
            Job.Snapshot a = awaitState(w, stubborn, JobState.ABANDONED);
            assertTrue(a.error().contains("ignored cancellation and interruption"), a.error());
            awaitState(w, ok, JobState.SUCCEEDED);
        } finally {
            release.countDown();
            assertTrue(returned.await(LIVENESS.toSeconds(), TimeUnit.SECONDS));
            assertTrue(w.stop(budget(Duration.ofSeconds(30))), "abandoned before shutdown began");
        }
        assertEquals(new WorkerService.Counts(2, 1, 0, 0, 1), w.counts());
    }

    @Test
    void shutdownWithAFullQueueUnderAShortBudgetEndsEveryAcceptedJobAndTheCountsAddUp() throws Exception {
        int workers = 2;
        CountDownLatch allRunning = new CountDownLatch(workers);
        WorkerService w = WorkerService.builder().workers(workers).queueCapacity(20)
                .handler(new TestHandler("forever", (ctx, p) -> {
                    allRunning.countDown();
                    ctx.await();
                    throw ctx.err();
                })).build();
        w.start();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            ids.add(accept(w, "forever"));
        }
        assertTrue(allRunning.await(LIVENESS.toSeconds(), TimeUnit.SECONDS));
        while (w.submit("forever", payload()) instanceof WorkerService.Accepted a) {
            ids.add(a.job().id());
        }
        assertEquals(workers + 20, ids.size());

        assertFalse(w.stop(budget(Duration.ofMillis(300))), "work was cancelled and abandoned");

        WorkerService.Counts c = w.counts();
        assertEquals(ids.size(), c.accepted());
        assertEquals(workers, c.cancelled());
        assertEquals(20, c.abandoned());
        assertCountsAddUp(w);
        for (UUID id : ids) {
            Job.Snapshot s = w.job(id).orElseThrow();
            assertTrue(s.state() == JobState.CANCELLED || s.state() == JobState.ABANDONED, s.toString());
            assertNotNull(s.error(), "a reason is recorded");
            assertNotNull(s.finishedAt());
        }
    }

    @Test
    void backoffWaitEndsWhenTheShutdownBudgetEnds() throws Exception {
        CountDownLatch failedOnce = new CountDownLatch(1);
        WorkerService w = WorkerService.builder().workers(1).maxAttempts(3)
                .backoff(new Backoff(Duration.ofMinutes(10), Duration.ofMinutes(10)))
                .handler(new TestHandler("flaky", (ctx, p) -> {
                    failedOnce.countDown();
                    throw new JobHandler.RetryableJobException("down");
                })).build();
        w.start();
        UUID id = accept(w, "flaky");
        assertTrue(failedOnce.await(LIVENESS.toSeconds(), TimeUnit.SECONDS));
        assertFalse(w.stop(budget(Duration.ofMillis(200))));
        Job.Snapshot s = w.job(id).orElseThrow();
        assertEquals(JobState.CANCELLED, s.state());
        assertTrue(s.error().contains("waiting to retry"), s.error());
        assertEquals(new WorkerService.Counts(1, 0, 0, 1, 0), w.counts());
    }

    @Test
    void queuedJobsDrainWithinABudgetThatSuffices() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        WorkerService w = WorkerService.builder().workers(1).queueCapacity(10)
                .handler(gate(release)).build();
        w.start();
        for (int i = 0; i < 5; i++) {
            accept(w, "gate");
        }
        CountDownLatch stopReturned = new CountDownLatch(1);
        AtomicReference<Boolean> drained = new AtomicReference<>();
        Thread stopper = Thread.ofVirtual().start(() -> {
            try {
                drained.set(w.stop(budget(Duration.ofSeconds(60))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                stopReturned.countDown();
            }
        });
        // Intake is closed while the queue still drains.
        long deadline = System.nanoTime() + LIVENESS.toNanos();
        int accepted = 5;
        while (true) {
            WorkerService.Submission s = w.submit("gate", payload());
            if (s instanceof WorkerService.Rejected r) {
                assertEquals(WorkerService.Reason.SHUTTING_DOWN, r.reason());
                break;
            }
            accepted++;   // submitted before stop() closed intake: it must drain too
            assertTrue(System.nanoTime() < deadline, "intake never closed");
            Thread.sleep(5);
        }
        assertFalse(stopReturned.await(50, TimeUnit.MILLISECONDS), "stop waits for the queue to drain");
        release.countDown();
        assertTrue(stopReturned.await(LIVENESS.toSeconds(), TimeUnit.SECONDS));
        stopper.join();
        assertEquals(Boolean.TRUE, drained.get());
        assertEquals(new WorkerService.Counts(accepted, accepted, 0, 0, 0), w.counts());
    }

    @Test
    void finishedRecordsExpireAfterTheRetentionButUnfinishedOnesStay() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
        CountDownLatch release = new CountDownLatch(1);
        WorkerService w = WorkerService.builder().workers(1).clock(clock).retention(Duration.ofMinutes(10))
                .handler(quick())
                .handler(gate(release)).build();
        w.start();
        try {
            UUID done = accept(w, "quick");
            awaitState(w, done, JobState.SUCCEEDED);
            UUID open = accept(w, "gate");
            awaitState(w, open, JobState.RUNNING);
            clock.advance(Duration.ofMinutes(9));
            assertEquals(0, w.expireFinished());
            clock.advance(Duration.ofMinutes(2));
            assertEquals(1, w.expireFinished());
            assertTrue(w.job(done).isEmpty());
            assertTrue(w.job(open).isPresent());
        } finally {
            release.countDown();
            assertTrue(w.stop(budget(Duration.ofSeconds(30))));
        }
    }

    @Test
    void housekeepingTickerExpiresRecordsOnItsOwn() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
        WorkerService w = WorkerService.builder().workers(1).clock(clock).retention(Duration.ofMinutes(1))
                .housekeepingInterval(Duration.ofMillis(20))
                .handler(quick()).build();
        w.start();
        try {
            UUID done = accept(w, "quick");
            awaitState(w, done, JobState.SUCCEEDED);
            clock.advance(Duration.ofMinutes(2));
            long deadline = System.nanoTime() + LIVENESS.toNanos();
            while (w.job(done).isPresent()) {
                assertTrue(System.nanoTime() < deadline, "the ticker never expired the record");
                Thread.sleep(5);
            }
        } finally {
            assertTrue(w.stop(budget(Duration.ofSeconds(30))));
        }
    }

    /** A started service of {@code workers} that may start {@code rate} jobs a second, {@code burst} at once, of type "n". */
    private static WorkerService startedRateLimited(int workers, double rate, int burst, TestHandler.Body body) {
        WorkerService w = WorkerService.builder().workers(workers).rateLimit(rate, burst).handler(new TestHandler("n", body)).build();
        w.start();
        return w;
    }

    @Test
    void rateLimitSpacesJobStartsButRunsThemAll() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        WorkerService w = startedRateLimited(2, 200, 1, (ctx, p) -> IntNode.valueOf(ran.incrementAndGet()));
        for (int i = 0; i < 10; i++) {
            accept(w, "n");
        }
        assertTrue(w.stop(budget(Duration.ofSeconds(30))));
        assertEquals(10, ran.get());
        assertEquals(new WorkerService.Counts(10, 10, 0, 0, 0), w.counts());
    }

    @Test
    void afterAnIdleSpellNoMoreThanTheBurstStartsAtOnce() throws Exception {
        double rate = 20; // a token every 50 ms
        int burst = 2;
        List<Long> starts = new CopyOnWriteArrayList<>();
        WorkerService w = startedRateLimited(6, rate, burst, (ctx, p) -> {
            starts.add(System.nanoTime());
            return null;
        });
        try {
            // Idle far longer than the bucket takes to refill (burst / rate = 100 ms): every intake
            // thread has paid for a start and waits for work, the bucket itself full again.
            Thread.sleep(1_000);
            List<UUID> ids = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                ids.add(accept(w, "n"));
            }
            for (UUID id : ids) {
                awaitState(w, id, JobState.SUCCEEDED);
            }
        } finally {
            assertTrue(w.stop(budget(Duration.ofSeconds(30))));
        }
        List<Long> sorted = starts.stream().sorted().toList();
        // Starts come no sooner than the tokens allow (later on a busy machine, never sooner). In
        // any 25 ms, half a token's interval, that is the burst and at most one token more; one
        // more start still is slack for a stamp taken late. Paying with the tokens of before the
        // idle spell instead, six to nine started within about 20 ms in two runs here.
        for (int i = 0; i < sorted.size(); i++) {
            long from = sorted.get(i);
            long within = sorted.stream().filter(t -> t >= from && t - from < Duration.ofMillis(25).toNanos()).count();
            assertTrue(within <= burst + 2, within + " starts within 25 ms: more than the burst at once; "
                    + sorted.stream().map(t -> (t - sorted.get(0)) / 1_000_000).toList() + " ms");
        }
    }

    @Test
    void anIdleRateLimitedServiceStopsWithoutWaitingForAToken() throws Exception {
        AtomicInteger ran = new AtomicInteger();
        // One start in a thousand seconds: the first job takes the only token, and every intake
        // thread then waits for the next one before it claims.
        WorkerService w = startedRateLimited(4, 0.001, 1, (ctx, p) -> IntNode.valueOf(ran.incrementAndGet()));
        awaitState(w, accept(w, "n"), JobState.SUCCEEDED);
        AtomicBoolean clean = new AtomicBoolean();
        Thread stopper = Thread.ofVirtual().start(() -> {
            try {
                clean.set(w.stop(budget(Duration.ofMinutes(5))));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        stopper.join(LIVENESS);
        assertFalse(stopper.isAlive(), "stop waited for a token (or the budget) with nothing left to run");
        assertTrue(clean.get());
        assertEquals(1, ran.get());
    }

    @Test
    void stopBeforeStartReturnsAtOnce() throws Exception {
        WorkerService w = WorkerService.builder().handler(new TestHandler("t", (ctx, p) -> null)).registry(new SimpleMeterRegistry()).build();
        assertTrue(w.stop(budget(Duration.ofSeconds(1))));
        w.awaitTermination();
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** A handler that succeeds at once. */
    private static TestHandler quick() {
        return new TestHandler("quick", (ctx, p) -> null);
    }

    /** A handler that runs until {@code release} opens (interruptible). */
    private static TestHandler gate(CountDownLatch release) {
        return new TestHandler("gate", (ctx, p) -> {
            release.await();
            return null;
        });
    }
}
