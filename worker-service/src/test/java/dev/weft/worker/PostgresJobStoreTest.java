package dev.weft.worker;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.weft.worker.WorkerTesting.LIVENESS;
import static dev.weft.worker.WorkerTesting.awaitState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The postgres job store against a real PostgreSQL server ({@link TestPostgres}). */
@ExtendWith(NoLeakedThreads.class)
class PostgresJobStoreTest {

    private static String url;

    @BeforeAll
    static void schema() {
        url = TestPostgres.freshSchema("weft_store_test");
    }

    private static void truncate() throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT to_regclass('weft_jobs') IS NOT NULL")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    s.execute("TRUNCATE weft_jobs");
                }
            }
        }
    }

    private static PostgresJobStore store(String instance, Duration lease, int capacity, int maxAttempts) {
        return new PostgresJobStore(TestPostgres.options(url, instance, lease, capacity, maxAttempts), new SimpleMeterRegistry());
    }

    private static WorkerService service(String instance, Duration lease, int maxAttempts, JobHandler... handlers) {
        var b = WorkerService.builder().workers(2).maxAttempts(maxAttempts).backoff(new Backoff(Duration.ofMillis(10), Duration.ofMillis(20)))
                .housekeepingInterval(Duration.ofMillis(200))
                .store(store(instance, lease, 1000, maxAttempts));
        for (JobHandler h : handlers) {
            b.handler(h);
        }
        return b.build();
    }

    private static ObjectNode payload(int n) {
        return JsonNodeFactory.instance.objectNode().put("n", n);
    }

    private static Context budget(Duration d) {
        return Context.withTimeout(Context.background(), d);
    }

    @Test
    void threeReplicasStartingAtOnceMigrateOnce() throws Exception {
        String fresh = TestPostgres.freshSchema("weft_migrate_test");
        CountDownLatch go = new CountDownLatch(1);
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        List<PostgresJobStore> stores = new CopyOnWriteArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            PostgresJobStore s = new PostgresJobStore(TestPostgres.options(fresh, "r" + i, Duration.ofSeconds(30), 10, 3),
                    new SimpleMeterRegistry());
            stores.add(s);
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    s.open();
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(LIVENESS);
        }
        stores.forEach(PostgresJobStore::close);
        assertEquals(List.of(), failures);
        try (Connection c = DriverManager.getConnection(fresh); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT version), bool_and(success), min(version)"
                     + " FROM weft_schema_history WHERE version IS NOT NULL")) {
            assertTrue(rs.next());
            assertEquals(rs.getLong(2), rs.getLong(1), "each migration applied once");
            assertTrue(rs.getLong(1) >= 2, "V1 and every later one");
            assertTrue(rs.getBoolean(3));
            assertEquals("1", rs.getString(4));
        }
    }

    @Test
    void probesWhileAStoreOpensOnAFreshDatabaseCountNoStoreErrors() throws Exception {
        // What readiness and a scrape do while the worker starts: ask the store for its queue, its
        // jobs by state and its health, here as fast as possible, while open() creates the pool
        // and migrates a new schema.
        String fresh = TestPostgres.freshSchema("weft_probe_test");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PostgresJobStore s = new PostgresJobStore(TestPostgres.options(fresh, "a", Duration.ofSeconds(30), 10, 3), registry);
        AtomicInteger probes = new AtomicInteger();
        CountDownLatch opened = new CountDownLatch(1);
        Thread prober = Thread.ofVirtual().start(() -> {
            while (opened.getCount() > 0) {
                try {
                    s.waiting(); // read once a second at most
                    s.countByState(); // read every time: the /metrics gauge's source
                    s.check();
                } catch (RuntimeException notOpenOrNotServing) {
                    // DOWN is the right answer until open() returns.
                }
                probes.incrementAndGet();
            }
        });
        try (s) {
            s.open();
            opened.countDown();
            prober.join(LIVENESS);
            assertTrue(probes.get() > 0);
            assertEquals(0.0, registry.get("weft.job.store.errors").counter().count(),
                    "a probe before the migration ended met no table and counted it as an outage");
            s.check(); // and it serves now
        } finally {
            opened.countDown();
        }
    }

    @Test
    void aJobSubmittedToOneReplicaReadsTheSameFromAnotherAndRunsOnce() throws Exception {
        truncate();
        Map<UUID, AtomicInteger> runs = new ConcurrentHashMap<>();
        JobHandler count = new TestHandler("count", (ctx, p) -> {
            runs.computeIfAbsent(UUID.fromString(p.get("id").asText()), k -> new AtomicInteger()).incrementAndGet();
            return IntNode.valueOf(p.get("n").asInt());
        });
        WorkerService a = service("a", Duration.ofSeconds(30), 3, count);
        WorkerService b = service("b", Duration.ofSeconds(30), 3, count);
        a.start();
        b.start();
        List<UUID> ids = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                UUID key = UUID.randomUUID();
                WorkerService to = i % 2 == 0 ? a : b;
                WorkerService.Submission s = to.submit("count", payload(i).put("id", key.toString()), key.toString());
                Job.Snapshot job = assertInstanceOf(WorkerService.Accepted.class, s).job();
                ids.add(job.id());
                runs.putIfAbsent(key, new AtomicInteger());
            }
            for (UUID id : ids) {
                Job.Snapshot done = awaitState(a, id, JobState.SUCCEEDED);
                assertEquals(done.toJson(), b.job(id).orElseThrow().toJson(), "both replicas read the same record");
                assertEquals(1, done.attempts());
            }
        } finally {
            assertTrue(a.stop(budget(Duration.ofSeconds(10))));
            assertTrue(b.stop(budget(Duration.ofSeconds(10))));
        }
        assertEquals(40, runs.size());
        runs.forEach((k, n) -> assertEquals(1, n.get(), "job " + k + " ran once"));
        assertEquals(40, a.counts().succeeded() + b.counts().succeeded());
    }

    @Test
    void idempotencyKeyReturnsTheOriginalJobAndRefusesADifferentBody() throws Exception {
        truncate();
        WorkerService a = service("a", Duration.ofSeconds(30), 3, new TestHandler("noop", (ctx, p) -> null));
        WorkerService b = service("b", Duration.ofSeconds(30), 3, new TestHandler("noop", (ctx, p) -> null));
        try {
            a.start();
            b.start();
            var first = assertInstanceOf(WorkerService.Accepted.class, a.submit("noop", payload(1), "key-1"));
            var again = assertInstanceOf(WorkerService.Accepted.class, b.submit("noop", payload(1), "key-1"));
            assertEquals(first.job().id(), again.job().id());
            assertFalse(first.replayed());
            assertTrue(again.replayed());
            var reused = assertInstanceOf(WorkerService.Rejected.class, b.submit("noop", payload(2), "key-1"));
            assertEquals(WorkerService.Reason.KEY_REUSED, reused.reason());
        } finally {
            a.stop(budget(Duration.ofSeconds(10)));
            b.stop(budget(Duration.ofSeconds(10)));
        }
    }

    @Test
    void theQueueBoundHoldsAcrossReplicas() throws Exception {
        truncate();
        try (PostgresJobStore a = store("a", Duration.ofSeconds(30), 2, 3); PostgresJobStore b = store("b", Duration.ofSeconds(30), 2, 3)) {
            a.open();
            b.open();
            assertInstanceOf(JobStore.Added.class, a.add(newJob()));
            assertInstanceOf(JobStore.Added.class, b.add(newJob()));
            assertInstanceOf(JobStore.Full.class, a.add(newJob()));
            assertInstanceOf(JobStore.Full.class, b.add(newJob()));
            assertEquals(2L, a.countByState().get(JobState.QUEUED));
        }
    }

    /**
     * On one replica the bound is exact, whether an insert counted the queue or trusted the
     * replica's own upper bound (below half the capacity, within 100 ms of a count): into a
     * capacity of 10, jobs one after the other (the first counts, the next few mostly trust)
     * until exactly 10 are in; then 4 claims make room, for which 10 concurrent submitters
     * compete: exactly 4 get in. Jobs handed back to the queue count again.
     */
    @Test
    void theQueueBoundIsExactOnOneReplicaWhetherOrNotTheInsertCounted() throws Exception {
        truncate();
        try (PostgresJobStore a = store("a", Duration.ofSeconds(30), 10, 3)) {
            a.open();
            for (int i = 0; i < 10; i++) {
                assertInstanceOf(JobStore.Added.class, a.add(newJob()), "job " + i);
            }
            assertInstanceOf(JobStore.Full.class, a.add(newJob()));
            assertInstanceOf(JobStore.Full.class, a.add(newJob()));
            assertEquals(10L, a.countByState().get(JobState.QUEUED));

            List<JobStore.Claim> claimed = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                claimed.add(a.claim(Context.withTimeout(Context.background(), LIVENESS)).orElseThrow());
            }
            int submitters = 10;
            CountDownLatch go = new CountDownLatch(1);
            List<JobStore.Admission> admissions = new CopyOnWriteArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < submitters; i++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                        admissions.add(a.add(newJob()));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            go.countDown();
            for (Thread t : threads) {
                assertTrue(t.join(LIVENESS), "a submission returned");
            }
            assertEquals(submitters, admissions.size());
            assertEquals(4, admissions.stream().filter(JobStore.Added.class::isInstance).count(), "admitted: " + admissions);
            assertEquals(10L, a.countByState().get(JobState.QUEUED));

            for (JobStore.Claim c : claimed) {
                assertTrue(a.release(c));
            }
            // Handed back, not admitted again: a hand-back is never refused, so the queue may pass the bound.
            assertEquals(14L, a.countByState().get(JobState.QUEUED));
            assertInstanceOf(JobStore.Full.class, a.add(newJob()));
        }
    }

    /**
     * Replica b polls once an hour, so only a notification can start a job that replica a took
     * once b is idle. Each job is submitted after the previous one ended on b, when b's workers
     * have gone back to waiting: with NOTIFY broken the first such job would wait out the hour,
     * and the test fails at its deadline.
     */
    @Test
    void anIdleReplicaIsWokenByAnotherReplicasSubmissionNotByItsPoll() throws Exception {
        truncate();
        List<UUID> ran = new CopyOnWriteArrayList<>();
        JobHandler record = new TestHandler("noop", (ctx, p) -> {
            ran.add(UUID.fromString(p.get("id").asText()));
            return null;
        });
        PostgresJobStore slowPoll = new PostgresJobStore(new PostgresJobStore.Options(url, "", "", 4, Duration.ofSeconds(30), 100, 3,
                "b", Duration.ofHours(1)), new SimpleMeterRegistry());
        WorkerService b = WorkerService.builder().workers(2).store(slowPoll).handler(record).build();
        try (PostgresJobStore a = store("a", Duration.ofSeconds(30), 100, 3)) {
            a.open();
            b.start();
            for (int i = 0; i < 10; i++) {
                UUID id = UUID.randomUUID();
                assertInstanceOf(JobStore.Added.class, a.add(new JobStore.NewJob(id, "noop", payload(i).put("id", id.toString()), null)));
                assertEquals(JobState.SUCCEEDED, awaitState(b, id, JobState.SUCCEEDED).state(), "job " + i + " ran on b");
            }
        } finally {
            assertTrue(b.stop(budget(Duration.ofSeconds(10))));
        }
        assertEquals(10, ran.size(), "each job ran once: " + ran);
        assertEquals(10, Set.copyOf(ran).size(), "each job ran once: " + ran);
    }

    @Test
    void theListenerConnectsThroughTheListenUrlAndStillWakesAnIdleReplica() throws Exception {
        truncate();
        // One database, two URLs told apart by the application name each connection reports.
        String pooled = url + "&ApplicationName=weft-test-pooled";
        String direct = url + "&ApplicationName=weft-test-listener";
        PostgresJobStore slowPoll = new PostgresJobStore(new PostgresJobStore.Options(pooled, "", "", 4, Duration.ofSeconds(30),
                100, 3, "b", Duration.ofHours(1), direct), new SimpleMeterRegistry());
        WorkerService b = WorkerService.builder().workers(1).store(slowPoll).handler(new TestHandler("noop", (ctx, p) -> null)).build();
        try (PostgresJobStore a = store("a", Duration.ofSeconds(30), 100, 3)) {
            a.open();
            b.start();
            // Submitted only once b listens: b's first claim at start then found nothing, and with an
            // hourly poll only the notification can wake it.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            Map<String, Long> listening = listeningSessions();
            while (listening.getOrDefault("weft-test-listener", 0L) < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
                listening = listeningSessions();
            }
            assertEquals(1L, listening.get("weft-test-listener"), "the LISTEN session uses the listen URL: " + listening);
            assertEquals(0L, listening.getOrDefault("weft-test-pooled", 0L), "no pooled session LISTENs: " + listening);
            UUID id = UUID.randomUUID();
            assertInstanceOf(JobStore.Added.class, a.add(new JobStore.NewJob(id, "noop", payload(0), null)));
            assertEquals(JobState.SUCCEEDED, awaitState(b, id, JobState.SUCCEEDED).state(), "b woken by the notification, not its hourly poll");
        } finally {
            assertTrue(b.stop(budget(Duration.ofSeconds(10))));
        }
    }

    /** Sessions of this test's application names that are LISTENing, by name (0 for one that is not). */
    private Map<String, Long> listeningSessions() throws SQLException {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT application_name, count(*) FILTER (WHERE query LIKE 'LISTEN %')"
                     + " FROM pg_stat_activity WHERE application_name LIKE 'weft-test-%' GROUP BY application_name")) {
            Map<String, Long> listening = new java.util.HashMap<>();
            while (rs.next()) {
                listening.put(rs.getString(1), rs.getLong(2));
            }
            return listening;
        }
    }

    @Test
    void aRateLimitedReplicaHoldsNoJobItMayNotStartSoAnotherRunsThem() throws Exception {
        truncate();
        // A may start one job in a thousand seconds; B has no limit. Every job is submitted to A.
        WorkerService a = WorkerService.builder().workers(4).rateLimit(0.001, 1)
                .store(store("a", Duration.ofSeconds(30), 1000, 3)).handler(new TestHandler("noop", (ctx, p) -> null)).build();
        WorkerService b = service("b", Duration.ofSeconds(30), 3, new TestHandler("noop", (ctx, p) -> null));
        a.start();
        b.start();
        try {
            List<UUID> ids = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ids.add(((WorkerService.Accepted) a.submit("noop", payload(i))).job().id());
            }
            for (UUID id : ids) {
                assertEquals(JobState.SUCCEEDED, awaitState(b, id, JobState.SUCCEEDED).state(),
                        "every job ran: none is held by the replica that may not start it");
            }
            assertTrue(b.counts().succeeded() >= 9, "B ran all but A's one: " + b.counts());
        } finally {
            assertTrue(a.stop(budget(Duration.ofSeconds(10))));
            assertTrue(b.stop(budget(Duration.ofSeconds(10))));
        }
    }

    private static JobStore.NewJob newJob() {
        return new JobStore.NewJob(UUID.randomUUID(), "noop", payload(0), null);
    }

    @Test
    void aDeadReplicasLeaseExpiresAndTheReaperRequeuesItWithTheAttemptCounted() throws Exception {
        truncate();
        UUID id;
        PostgresJobStore dead = store("dead", Duration.ofMillis(600), 10, 3);
        dead.open();
        try {
            id = ((JobStore.Added) dead.add(newJob())).job().id();
            JobStore.Claim c = dead.claim(Context.background()).orElseThrow();
            assertEquals(id, c.id());
            assertEquals(1, c.attempt());
        } finally {
            // Dies holding the lease: no release, heartbeats stop.
            dead.close();
        }
        try (PostgresJobStore alive = store("alive", Duration.ofSeconds(30), 10, 3)) {
            alive.open();
            long deadline = System.nanoTime() + LIVENESS.toNanos();
            int reclaimed = 0;
            while (reclaimed == 0 && System.nanoTime() < deadline) {
                reclaimed = alive.reap();
                Thread.sleep(50);
            }
            assertEquals(1, reclaimed);
            JobStore.Claim again = alive.claim(Context.withTimeout(Context.background(), LIVENESS)).orElseThrow();
            assertEquals(id, again.id());
            assertEquals(2, again.attempt(), "the lost attempt counts");
            assertTrue(alive.finish(again, JobState.SUCCEEDED, IntNode.valueOf(7), null));
            Job.Snapshot done = alive.get(id).orElseThrow();
            assertEquals(JobState.SUCCEEDED, done.state());
            assertEquals(2, done.attempts());
        }
    }

    @Test
    void theAttemptLimitHoldsAcrossReplicas() throws Exception {
        truncate();
        PostgresJobStore dead = store("dead", Duration.ofMillis(400), 10, 1);
        dead.open();
        UUID id;
        try {
            id = ((JobStore.Added) dead.add(newJob())).job().id();
            dead.claim(Context.background()).orElseThrow();
        } finally {
            dead.close();
        }
        try (PostgresJobStore alive = store("alive", Duration.ofSeconds(30), 10, 1)) {
            alive.open();
            long deadline = System.nanoTime() + LIVENESS.toNanos();
            while (alive.reap() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Job.Snapshot failed = alive.get(id).orElseThrow();
            assertEquals(JobState.FAILED, failed.state());
            assertTrue(failed.error().contains("lease expired"), failed.error());
        }
    }

    @Test
    void atShutdownARunningJobIsHandedBackUncountedAndAnotherReplicaRunsIt() throws Exception {
        truncate();
        CountDownLatch running = new CountDownLatch(1);
        WorkerService a = service("a", Duration.ofSeconds(30), 3, new TestHandler("slow", (ctx, p) -> {
            running.countDown();
            ctx.await(Duration.ofMinutes(1));
            ctx.throwIfDone();
            return null;
        }));
        a.start();
        UUID id;
        try {
            id = assertInstanceOf(WorkerService.Accepted.class, a.submit("slow", payload(1))).job().id();
            assertTrue(running.await(LIVENESS.toSeconds(), TimeUnit.SECONDS));
        } finally {
            assertTrue(a.stop(budget(Duration.ofMillis(300))), "handing back is not a loss");
        }
        assertEquals(1, a.handedBack());
        assertEquals(new WorkerService.Counts(1, 0, 0, 0, 0), a.counts());
        try (PostgresJobStore peek = store("peek", Duration.ofSeconds(30), 10, 3)) {
            peek.open();
            Job.Snapshot back = peek.get(id).orElseThrow();
            assertEquals(JobState.QUEUED, back.state());
            assertEquals(0, back.attempts(), "the cancelled attempt is not counted");
            assertEquals(null, back.startedAt());
        }
        WorkerService b = service("b", Duration.ofSeconds(30), 3, new TestHandler("slow", (ctx, p) -> IntNode.valueOf(1)));
        try {
            b.start();
            Job.Snapshot done = awaitState(b, id, JobState.SUCCEEDED);
            assertEquals(1, done.attempts());
        } finally {
            assertTrue(b.stop(budget(Duration.ofSeconds(10))));
        }
    }

    @Test
    void aRetryableFailureIsRetriedThroughRunAtUpToMaxAttempts() throws Exception {
        truncate();
        AtomicInteger calls = new AtomicInteger();
        WorkerService w = service("a", Duration.ofSeconds(30), 3, new TestHandler("flaky", (ctx, p) -> {
            if (calls.incrementAndGet() < 3) {
                throw new JobHandler.RetryableJobException("not yet");
            }
            return IntNode.valueOf(calls.get());
        }), new TestHandler("down", (ctx, p) -> {
            throw new JobHandler.RetryableJobException("always down");
        }));
        w.start();
        try {
            UUID flaky = assertInstanceOf(WorkerService.Accepted.class, w.submit("flaky", payload(1))).job().id();
            Job.Snapshot ok = awaitState(w, flaky, JobState.SUCCEEDED);
            assertEquals(3, ok.attempts());
            UUID down = assertInstanceOf(WorkerService.Accepted.class, w.submit("down", payload(1))).job().id();
            Job.Snapshot failed = awaitState(w, down, JobState.FAILED);
            assertEquals(3, failed.attempts());
            assertEquals("failed after 3 attempts: always down", failed.error());
        } finally {
            assertTrue(w.stop(budget(Duration.ofSeconds(10))));
        }
    }

    @Test
    void finishedRecordsExpireInBatches() throws Exception {
        truncate();
        try (PostgresJobStore s = store("a", Duration.ofSeconds(30), 5000, 3)) {
            s.open();
            for (int i = 0; i < 1200; i++) {
                s.add(newJob());
            }
            for (int i = 0; i < 1200; i++) {
                JobStore.Claim c = s.claim(Context.background()).orElseThrow();
                s.finish(c, JobState.SUCCEEDED, null, null);
            }
            assertEquals(0, s.expire(Duration.ofHours(1)));
            assertEquals(1200, s.expire(Duration.ofNanos(1)));
            assertEquals(0L, s.countByState().get(JobState.SUCCEEDED));
        }
    }

    @Test
    void aLargeTableIsCountedByStateWithoutReadingItsSucceededRows() throws Exception {
        truncate();
        int succeeded = 150_000;
        int failed = 4_000;
        try (PostgresJobStore store = store("a", Duration.ofSeconds(30), 1000, 3);
             Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            store.open(); // migrates, when this test runs first
            // No autovacuum during the test: the statistics change only where the test says so.
            s.execute("ALTER TABLE weft_jobs SET (autovacuum_enabled = false)");
            try {
                s.execute("INSERT INTO weft_jobs (id, type, payload, state, attempts, started_at, finished_at)"
                        + " SELECT gen_random_uuid(), 'noop', '{}', 'SUCCEEDED', 1, now(), now() FROM generate_series(1, " + succeeded + ")");
                s.execute("INSERT INTO weft_jobs (id, type, payload, state, attempts, started_at, finished_at, error)"
                        + " SELECT gen_random_uuid(), 'noop', '{}', 'FAILED', 3, now(), now(), 'boom' FROM generate_series(1, " + failed + ")");
                s.execute("INSERT INTO weft_jobs (id, type, payload, state) SELECT gen_random_uuid(), 'noop', '{}', 'QUEUED'"
                        + " FROM generate_series(1, 7)");
                // Running under a lease, and running with its lease cleared (handed back or reaped, runnable again).
                s.execute("INSERT INTO weft_jobs (id, type, payload, state, attempts, started_at, locked_by, locked_until)"
                        + " SELECT gen_random_uuid(), 'noop', '{}', 'RUNNING', 1, now(), 'b/1', now() + interval '1 hour'"
                        + " FROM generate_series(1, 3)");
                s.execute("INSERT INTO weft_jobs (id, type, payload, state, attempts, started_at)"
                        + " SELECT gen_random_uuid(), 'noop', '{}', 'RUNNING', 2, now() FROM generate_series(1, 2)");
                s.execute("VACUUM ANALYZE weft_jobs");
                // Each statement the store runs at this size plans without a sequential scan of the
                // table, even where the planner may choose one (the store's connections price them out).
                for (String query : List.of(PostgresJobStore.ESTIMATED_ROWS, PostgresJobStore.UNSUCCEEDED_COUNTS)) {
                    StringBuilder plan = new StringBuilder();
                    try (ResultSet rs = s.executeQuery("EXPLAIN " + query)) {
                        while (rs.next()) {
                            plan.append(rs.getString(1)).append('\n');
                        }
                    }
                    assertFalse(plan.toString().contains("Seq Scan on weft_jobs"), plan.toString());
                }

                Map<JobState, Long> by = store.countByState();
                assertEquals(7L, by.get(JobState.QUEUED), "exact");
                assertEquals(5L, by.get(JobState.RUNNING), "exact, with and without a lease");
                assertNear(succeeded, by.get(JobState.SUCCEEDED), 0.05);
                assertEquals((long) failed, by.get(JobState.FAILED), "exact");
                assertEquals(0L, by.get(JobState.CANCELLED), "exact");
                assertEquals(0L, by.get(JobState.ABANDONED), "exact");

                // Retention deletes the succeeded rows. No count reads them, so until VACUUM or
                // ANALYZE measures the table again, SUCCEEDED still reads the estimate of before.
                s.execute("DELETE FROM weft_jobs WHERE state = 'SUCCEEDED'");
                by = store.countByState();
                assertNear(succeeded, by.get(JobState.SUCCEEDED), 0.05);
                assertEquals(7L, by.get(JobState.QUEUED), "still exact");
                assertEquals(5L, by.get(JobState.RUNNING), "still exact");
                assertEquals((long) failed, by.get(JobState.FAILED), "still exact");

                s.execute("VACUUM ANALYZE weft_jobs");
                by = store.countByState();
                assertEquals(0L, by.get(JobState.SUCCEEDED), "a small table again: every state exact");
                assertEquals((long) failed, by.get(JobState.FAILED));
            } finally {
                s.execute("ALTER TABLE weft_jobs RESET (autovacuum_enabled)");
            }
        }
    }

    /** The planner's estimate of a freshly analysed table's size lands well within these bounds. */
    private static void assertNear(long expected, long actual, double relative) {
        assertTrue(Math.abs(actual - expected) <= expected * relative,
                "estimate " + actual + " not within " + relative * 100 + "% of " + expected);
    }

    @Test
    void anUnreachableDatabaseFailsOpenWithOneLineNamingIt() {
        PostgresJobStore s = new PostgresJobStore(TestPostgres.options("jdbc:postgresql://127.0.0.1:1/none?user=x",
                "a", Duration.ofSeconds(30), 10, 3), new SimpleMeterRegistry());
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, s::open);
        assertTrue(e.getMessage().startsWith("cannot open the postgres job store at jdbc:postgresql://127.0.0.1:1/none"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertTrue(new PostgresJobStore.Options("jdbc:postgresql://h/db?user=u&password=s3cret&ssl=true", "", "", 1,
                Duration.ofSeconds(1), 1, 1, "a", Duration.ofSeconds(1)).toString().contains("password=***&ssl=true"));
    }

    @Test
    void nulInAPayloadIsRejectedBeforeTheStore() throws Exception {
        truncate();
        WorkerService w = service("a", Duration.ofSeconds(30), 3, new TestHandler("noop", (ctx, p) -> null));
        try {
            w.start();
            ObjectNode p = JsonNodeFactory.instance.objectNode();
            p.putArray("a").addObject().put("s", "x\u0000y");
            var r = assertInstanceOf(WorkerService.Rejected.class, w.submit("noop", p));
            assertEquals(WorkerService.Reason.INVALID, r.reason());
        } finally {
            w.stop(budget(Duration.ofSeconds(10)));
        }
    }
}
