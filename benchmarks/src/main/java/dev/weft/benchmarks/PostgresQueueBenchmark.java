package dev.weft.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.weft.patterns.Context;
import dev.weft.worker.JobHandler;
import dev.weft.worker.PostgresJobStore;
import dev.weft.worker.WorkerService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Trivial jobs end to end on a real PostgreSQL (submit, claim, complete): Weft's postgres job
 * store against db-scheduler's one-time tasks on the same database, in the same run. Not JMH: each
 * figure is one timed batch after one warm-up batch of the same size, in {@code rounds} rounds
 * (default 3) that alternate which queue goes first; the medians are printed last. Two
 * measurements per queue:
 *
 * <ul>
 *   <li><b>throughput</b>: {@code jobs} jobs submitted by {@code submitters} threads (default 4),
 *       timed from the first submission until the last job started, {@code workers} workers (default 4);</li>
 *   <li><b>submit-to-start when idle</b>: 200 jobs one at a time, each submitted only after the
 *       last one started; p50 and p99 of the time from the call to submit to the handler's
 *       first instruction.</li>
 * </ul>
 *
 * <p>Run with {@code java -cp benchmarks/target/benchmarks.jar dev.weft.benchmarks.PostgresQueueBenchmark [jobs [submitters [workers [rounds]]]]};
 * the database is {@code WEFT_TEST_POSTGRES_URL} (default: the one {@code .ci/run} sets up), in
 * schema {@code weft_bench}, dropped and created anew.
 */
public final class PostgresQueueBenchmark {

    private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/weft_test?user=weft&password=weft";
    /** Set once from the arguments, before anything runs. */
    private static int WORKERS = 4;
    private static int SUBMITTERS = 4;
    private static int ROUNDS = 3;
    private static final int IDLE_SAMPLES = 200;

    /** db-scheduler's PostgreSQL table, as its documentation gives it. */
    private static final String DB_SCHEDULER_TABLE = """
            CREATE TABLE scheduled_tasks (
                task_name text NOT NULL, task_instance text NOT NULL, task_data bytea,
                execution_time timestamp with time zone NOT NULL, picked boolean NOT NULL, picked_by text,
                last_success timestamp with time zone, last_failure timestamp with time zone,
                consecutive_failures int, last_heartbeat timestamp with time zone, version bigint NOT NULL,
                priority smallint, PRIMARY KEY (task_name, task_instance));
            CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time);
            CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat);
            CREATE INDEX priority_execution_time_idx ON scheduled_tasks (priority desc, execution_time asc)""";

    private PostgresQueueBenchmark() {
    }

    /** What a queue under test must do: submit one trivial job whose start calls {@code started}. */
    private interface Queue extends AutoCloseable {
        void submit(String id) throws Exception;

        @Override
        void close() throws Exception;
    }

    /** Called by either queue's handler with the job's id. */
    private static final AtomicReference<java.util.function.Consumer<String>> ON_START = new AtomicReference<>(id -> { });

    public static void main(String[] args) throws Exception {
        Logger.getLogger("").setLevel(Level.WARNING);
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        SUBMITTERS = args.length > 1 ? Integer.parseInt(args[1]) : SUBMITTERS;
        WORKERS = args.length > 2 ? Integer.parseInt(args[2]) : WORKERS;
        ROUNDS = args.length > 3 ? Integer.parseInt(args[3]) : ROUNDS;
        String base = System.getenv().getOrDefault("WEFT_TEST_POSTGRES_URL", DEFAULT_URL);
        String url = base + (base.contains("?") ? "&" : "?") + "currentSchema=weft_bench";
        System.out.printf("%d trivial jobs, %d workers, %d submitters; %s%n", jobs, WORKERS, SUBMITTERS,
                url.replaceAll("password=[^&]*", "password=***"));
        // Rounds alternate which queue goes first: the second one in a JVM runs on JDBC, pool and
        // JDK code the first one already warmed (worth ~15% at 5,000 jobs), so one fixed order
        // favours whichever is second.
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        for (int round = 1; round <= ROUNDS; round++) {
            List<String> order = round % 2 == 1 ? List.of("weft", "db-scheduler") : List.of("db-scheduler", "weft");
            for (String name : order) {
                freshSchema(base);
                try (Queue q = name.equals("weft") ? weft(url) : dbScheduler(url)) {
                    throughput(q, jobs, "warm-up");
                    double perSecond = throughput(q, jobs, "measured");
                    long[] idle = idleLatencies(q);
                    double[] r = {perSecond, idle[IDLE_SAMPLES / 2] / 1e6, idle[IDLE_SAMPLES * 99 / 100] / 1e6};
                    results.computeIfAbsent(name, k -> new ArrayList<>()).add(r);
                    System.out.printf("round %d %-12s %8.0f jobs/s   submit-to-start idle p50 %6.2f ms  p99 %6.2f ms%n", round, name,
                            r[0], r[1], r[2]);
                }
            }
        }
        System.out.printf("median of %d rounds:%n", ROUNDS);
        results.forEach((name, rs) -> System.out.printf("%-12s %8.0f jobs/s   submit-to-start idle p50 %6.2f ms  p99 %6.2f ms%n", name,
                median(rs, 0), median(rs, 1), median(rs, 2)));
    }

    private static double median(List<double[]> rounds, int column) {
        double[] v = rounds.stream().mapToDouble(r -> r[column]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static void freshSchema(String base) throws Exception {
        try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS weft_bench CASCADE");
            s.execute("CREATE SCHEMA weft_bench");
        }
    }

    private static double throughput(Queue q, int jobs, String label) throws Exception {
        CountDownLatch done = new CountDownLatch(jobs);
        ON_START.set(id -> done.countDown());
        long begin = System.nanoTime();
        List<Thread> submitters = new ArrayList<>();
        for (int t = 0; t < SUBMITTERS; t++) {
            int from = t;
            submitters.add(Thread.ofVirtual().start(() -> {
                try {
                    for (int i = from; i < jobs; i += SUBMITTERS) {
                        q.submit(label + "-" + i);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : submitters) {
            t.join();
        }
        // Which side limits: submission (few started by then) or claiming (most queued, not started).
        System.out.printf("  %s: all submitted after %.0f ms, %d of them started by then%n", label, (System.nanoTime() - begin) / 1e6, jobs - done.getCount());
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException(done.getCount() + " jobs never ran");
        }
        return jobs / ((System.nanoTime() - begin) / 1e9);
    }

    private static long[] idleLatencies(Queue q) throws Exception {
        long[] samples = new long[IDLE_SAMPLES];
        Map<String, Long> startedAt = new ConcurrentHashMap<>();
        for (int i = 0; i < IDLE_SAMPLES; i++) {
            CountDownLatch started = new CountDownLatch(1);
            String id = "idle-" + i;
            ON_START.set(j -> {
                if (j.equals(id)) {
                    startedAt.put(j, System.nanoTime());
                    started.countDown();
                }
            });
            long before = System.nanoTime();
            q.submit(id);
            if (!started.await(1, TimeUnit.MINUTES)) {
                throw new IllegalStateException("job " + id + " never started");
            }
            samples[i] = startedAt.get(id) - before;
        }
        Arrays.sort(samples);
        return samples;
    }

    private static Queue weft(String url) {
        PostgresJobStore store = new PostgresJobStore(new PostgresJobStore.Options(url, "", "", 10, Duration.ofSeconds(30),
                10_000_000, 3, "bench", Duration.ofMillis(500)), new SimpleMeterRegistry());
        WorkerService w = WorkerService.builder().workers(WORKERS).queueCapacity(10_000_000).store(store)
                .handler(new JobHandler() {
                    @Override
                    public String type() {
                        return "noop";
                    }

                    @Override
                    public void validate(JsonNode payload) {
                    }

                    @Override
                    public JsonNode run(Context ctx, JsonNode payload) {
                        ON_START.get().accept(payload.get("id").asText());
                        return null;
                    }
                }).build();
        w.start();
        return new Queue() {
            @Override
            public void submit(String id) {
                if (!(w.submit("noop", JsonNodeFactory.instance.objectNode().put("id", id)) instanceof WorkerService.Accepted)) {
                    throw new IllegalStateException("refused");
                }
            }

            @Override
            public void close() throws Exception {
                w.stop(Context.withTimeout(Context.background(), Duration.ofSeconds(30)));
            }
        };
    }

    private static Queue dbScheduler(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            for (String ddl : DB_SCHEDULER_TABLE.split(";")) {
                s.execute(ddl);
            }
        }
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(url);
        hc.setMaximumPoolSize(10);
        HikariDataSource ds = new HikariDataSource(hc);
        OneTimeTask<Void> task = Tasks.oneTime("noop").execute((instance, ctx) -> ON_START.get().accept(instance.getId()));
        // Its fastest documented set-up for PostgreSQL: lock-and-fetch polling, immediate
        // execution of tasks scheduled for now, a short polling interval.
        Scheduler scheduler = Scheduler.create(ds, task).threads(WORKERS).pollUsingLockAndFetch(0.5, 1.0)
                .pollingInterval(Duration.ofMillis(100)).enableImmediateExecution().registerShutdownHook().build();
        scheduler.start();
        return new Queue() {
            @Override
            public void submit(String id) {
                scheduler.schedule(task.instance(id), Instant.now());
            }

            @Override
            public void close() {
                scheduler.stop();
                ds.close();
            }
        };
    }
}
