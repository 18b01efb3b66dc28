package dev.weft.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End-to-end drills of the postgres job store on real launcher processes and a real PostgreSQL
 * server, found like the worker's tests through {@code WEFT_TEST_POSTGRES_URL} (default: the one
 * {@code .ci/run} sets up). Each test works in a schema of its own, named after it and this test
 * run ({@link #RUN}), so that two runs on one database at once do not collide; the run drops its
 * schemas when its JVM exits.
 */
class PostgresStoreIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/weft_test?user=weft&password=weft";
    private static final Pattern HOST_PORT = Pattern.compile("jdbc:postgresql://([^:/?]+)(?::(\\d+))?/(.*)");
    private static final Duration READY = Duration.ofSeconds(60);
    private static final Duration LIVENESS = Duration.ofSeconds(60);

    /** Tells this test run's schemas from another's on the same database. */
    private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    private static final Set<String> CREATED = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Connection c = DriverManager.getConnection(baseUrl()); Statement s = c.createStatement()) {
                for (String schema : CREATED) {
                    s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                }
            } catch (SQLException e) {
                System.err.println("could not drop the test schemas " + CREATED + ": " + e.getMessage());
            }
        }, "test-postgres-cleanup"));
    }

    private static String baseUrl() {
        String url = System.getenv("WEFT_TEST_POSTGRES_URL");
        return url == null || url.isBlank() ? DEFAULT_URL : url;
    }

    /** A fresh schema {@code name_<run>}; skipped without a server, except under CI=true. */
    private static String schema(String prefix) {
        String name = prefix + "_" + RUN;
        CREATED.add(name);
        try (Connection c = DriverManager.getConnection(baseUrl()); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + name + " CASCADE");
            s.execute("CREATE SCHEMA " + name);
        } catch (SQLException e) {
            String line = "no PostgreSQL at WEFT_TEST_POSTGRES_URL=" + baseUrl() + " (" + e.getMessage()
                    + "); start one as .ci/run does (pg_ctlcluster ... start)";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(line, e);
            }
            Assumptions.abort(line);
        }
        return baseUrl() + (baseUrl().contains("?") ? "&" : "?") + "currentSchema=" + name;
    }

    private static LauncherProcess replica(String url, String name, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("--worker.store=postgres", "--worker.postgres.url=" + url,
                "--worker.lease=3s", "--fault.job-handlers=true", "--metrics.instance=" + name,
                "--shutdown.timeout=15s", "--shutdown.drain-delay=500ms"));
        args.addAll(List.of(more));
        return LauncherProcess.start(args.toArray(String[]::new));
    }

    private static HttpResponse<String> post(LauncherProcess to, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.apiPort() + "/api/v1/jobs"))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        return LauncherProcess.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<byte[]> get(LauncherProcess from, String path) throws Exception {
        return LauncherProcess.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + from.apiPort() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Polls {@code location} on {@code from} until the job is terminal; returns its JSON. */
    private static JsonNode awaitTerminal(LauncherProcess from, String location) throws Exception {
        long deadline = System.nanoTime() + LIVENESS.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<byte[]> r = get(from, location);
            if (r.statusCode() == 200) {
                last = JSON.readTree(r.body());
                String state = last.get("state").asText();
                if (!state.equals("QUEUED") && !state.equals("RUNNING")) {
                    return last;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("job at " + location + " not terminal within " + LIVENESS + ": " + last);
    }

    private static String recordJob(Path log, String token, int millis) {
        return "{\"type\":\"fault-record\",\"payload\":{\"token\":\"" + token + "\",\"millis\":" + millis
                + ",\"log\":\"" + log + "\"}}";
    }

    private static void stopAll(List<LauncherProcess> replicas) throws Exception {
        for (LauncherProcess r : replicas) {
            r.sigterm();
        }
        for (LauncherProcess r : replicas) {
            assertEquals(0, r.awaitExit(Duration.ofSeconds(40)), r.output());
            r.assertNoWeftThreadsLeft();
        }
    }

    @Test
    void aJobSubmittedToOneReplicaReadsByteForByteTheSameFromEveryOther() throws Exception {
        String url = schema("weft_it_shared");
        List<LauncherProcess> replicas = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                replicas.add(replica(url, "r" + i));
            }
            for (LauncherProcess r : replicas) {
                r.awaitReady(READY);
            }
            HttpResponse<String> accepted = post(replicas.get(0),
                    "{\"type\":\"checksum\",\"payload\":{\"text\":\"shared\",\"chunkSize\":2}}", "shared-1");
            assertEquals(202, accepted.statusCode(), accepted.body());
            String location = accepted.headers().firstValue("Location").orElseThrow();
            HttpResponse<String> replay = post(replicas.get(1),
                    "{\"type\":\"checksum\",\"payload\":{\"text\":\"shared\",\"chunkSize\":2}}", "shared-1");
            assertEquals(202, replay.statusCode(), replay.body());
            assertEquals(location, replay.headers().firstValue("Location").orElseThrow(), "the same key names the same job");
            assertEquals("SUCCEEDED", awaitTerminal(replicas.get(2), location).get("state").asText());
            byte[] first = get(replicas.get(0), location).body();
            for (LauncherProcess r : replicas) {
                assertArrayEquals(first, get(r, location).body(), "every replica answers the same bytes");
            }
        } finally {
            try {
                stopAll(replicas);
            } finally {
                replicas.forEach(LauncherProcess::close);
            }
        }
    }

    @Test
    void anUnreachableDatabaseAtStartExitsOneWithOneLine() throws Exception {
        try (LauncherProcess weft = LauncherProcess.start("--worker.store=postgres",
                "--worker.postgres.url=jdbc:postgresql://127.0.0.1:1/weft?user=weft")) {
            assertEquals(1, weft.awaitExit(Duration.ofSeconds(60)), weft.output());
            assertTrue(weft.output().contains("cannot open the postgres job store at jdbc:postgresql://127.0.0.1:1/weft"),
                    weft.output());
        }
    }

    @Test
    void badInputOnTheStorePathIsA400NeverA500() throws Exception {
        String url = schema("weft_it_bad_input");
        try (LauncherProcess weft = replica(url, "r0", "--http.max-payload-size=4194304")) {
            weft.awaitReady(READY);
            String nul = "{\"type\":\"checksum\",\"payload\":{\"text\":\"a\\u0000b\"}}";
            String nulKey = "{\"type\":\"checksum\",\"payload\":{\"te\\u0000xt\":\"ab\"}}";
            String deep = "{\"type\":\"fault-record\",\"payload\":{\"x\":" + "[".repeat(5000) + "]".repeat(5000) + "}}";
            String huge = "{\"type\":\"checksum\",\"payload\":{\"text\":\"" + "x".repeat(3_000_000) + "\",\"extra\":1}}";
            for (String body : List.of(nul, nulKey, deep, huge)) {
                HttpResponse<String> r = post(weft, body, null);
                assertEquals(400, r.statusCode(), r.body().substring(0, Math.min(300, r.body().length())));
                assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
            }
            // Expect: 100-continue, as a client sending megabytes should: the server refuses on the
            // headers, so the answer cannot race a reset of a connection still being written to.
            HttpResponse<String> tooBig = LauncherProcess.HTTP.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + weft.apiPort() + "/api/v1/jobs"))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json").expectContinue(true)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"checksum\",\"payload\":{\"text\":\""
                            + "x".repeat(5_000_000) + "\"}}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(413, tooBig.statusCode());
            weft.sigterm();
            assertEquals(0, weft.awaitExit(Duration.ofSeconds(40)), weft.output());
        }
    }

    /**
     * The outage drill: two replicas reach PostgreSQL through a {@link TcpProxy}, which the test
     * cuts for a few seconds under load. A faithful stand-in for stopping the server (clients see
     * the same resets and refused connections) that needs no control over the shared server.
     */
    @Test
    void aDatabaseOutageAnswers503AndLosesNoAcceptedJob(@TempDir Path dir) throws Exception {
        String direct = schema("weft_it_outage");
        Matcher m = HOST_PORT.matcher(direct);
        assertTrue(m.matches(), direct);
        Path log = dir.resolve("runs.log");
        try (TcpProxy proxy = new TcpProxy(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)))) {
            String url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + m.group(3);
            List<LauncherProcess> replicas = List.of(replica(url, "r0"), replica(url, "r1"));
            try {
                for (LauncherProcess r : replicas) {
                    r.awaitReady(READY);
                }
                Load load = new Load(replicas, log, 100);
                load.start();
                load.awaitAccepted(20);
                proxy.cut();
                Instant cutAt = Instant.now();
                for (LauncherProcess r : replicas) {
                    awaitReadiness(r, 503);
                }
                int acceptedBefore = load.accepted.size();
                load.awaitStatus(503);
                long downMillis = Duration.between(cutAt, Instant.now()).toMillis();
                proxy.restore();
                for (LauncherProcess r : replicas) {
                    awaitReadiness(r, 200);
                }
                load.awaitAccepted(acceptedBefore + 20);
                load.stop();
                Set<Integer> statuses = load.statuses.keySet();
                assertTrue(Set.of(200, 202, 503).containsAll(statuses), "only 200, 202 and 503: " + load.statuses);
                assertTrue(statuses.contains(503), "the outage was seen: " + load.statuses);
                for (String location : load.accepted) {
                    assertEquals("SUCCEEDED", awaitTerminal(replicas.get(0), location).get("state").asText(), location);
                }
                System.out.println("outage drill: " + load.accepted.size() + " jobs accepted, statuses " + load.statuses
                        + ", readiness DOWN on both replicas " + downMillis + " ms after the cut");
                assertNoOverlap(RunLog.read(log), Map.of());
            } finally {
                try {
                    proxy.restore();
                    stopAll(replicas);
                } finally {
                    replicas.forEach(LauncherProcess::close);
                }
            }
        }
    }

    /**
     * The multi-replica rolling restart: three replicas under load, submissions round-robin and
     * polls on another replica; each replica in turn gets SIGTERM and is started again, and one
     * is killed with SIGKILL while it runs a job, which another replica finishes once the lease
     * expires. No job runs on two replicas at once; every accepted job ends SUCCEEDED.
     */
    @Test
    void aRollingRestartWithAKillNineLosesNoJobAndNeverRunsOneTwiceAtOnce(@TempDir Path dir) throws Exception {
        String url = schema("weft_it_rolling");
        Path log = dir.resolve("runs.log");
        List<LauncherProcess> replicas = new CopyOnWriteArrayList<>();
        List<LauncherProcess> all = new CopyOnWriteArrayList<>();
        Map<Long, Long> killedAt = new ConcurrentHashMap<>();
        try {
            for (int i = 0; i < 3; i++) {
                LauncherProcess r = replica(url, "r" + i);
                replicas.add(r);
                all.add(r);
            }
            for (LauncherProcess r : replicas) {
                r.awaitReady(READY);
            }
            Load load = new Load(replicas, log, 300);
            load.start();
            load.awaitAccepted(15);
            for (int i = 0; i < 2; i++) {
                LauncherProcess old = replicas.get(i);
                LauncherProcess fresh = replica(url, "r" + i + "b");
                all.add(fresh);
                fresh.awaitReady(READY);
                replicas.set(i, fresh);
                old.sigterm();
                assertEquals(0, old.awaitExit(Duration.ofSeconds(40)), old.output());
                old.assertNoWeftThreadsLeft();
                load.awaitAccepted(load.accepted.size() + 10);
            }
            LauncherProcess victim = replicas.get(2);
            LauncherProcess fresh = replica(url, "r2b");
            all.add(fresh);
            fresh.awaitReady(READY);
            // A long job the victim is seen running is still running when the kill lands (a 300 ms
            // load job seen running may already have ended): submit long ones until the victim has one.
            List<String> longJobs = awaitLongJobRunningOn(victim, replicas, log);
            replicas.set(2, fresh);
            victim.close();
            killedAt.put(victim.pid(), RunLog.micros(Instant.now()));
            load.awaitAccepted(load.accepted.size() + 15);
            load.stop();
            // -1: a connection refused by a replica just killed; 503: one that was shutting down.
            assertTrue(Set.of(200, 202, 503, -1).containsAll(load.statuses.keySet()), "no error answers: " + load.statuses);
            for (String location : concat(load.accepted, longJobs)) {
                assertEquals("SUCCEEDED", awaitTerminal(replicas.get(1), location).get("state").asText(), location);
            }
            List<RunLog.Run> runs = RunLog.read(log);
            assertNoOverlap(runs, killedAt);
            long rerun = runs.stream().filter(r -> r.pid() == victim.pid() && r.end() < 0).map(RunLog.Run::token)
                    .filter(t -> runs.stream().anyMatch(o -> o.token().equals(t) && o.pid() != victim.pid() && o.end() > 0))
                    .count();
            assertTrue(rerun >= 1, "a job running on the killed replica was finished by another");
            System.out.println("rolling drill: " + load.accepted.size() + " jobs accepted, " + runs.size() + " runs, "
                    + rerun + " taken over from the killed replica");
            stopAll(replicas);
        } finally {
            all.forEach(LauncherProcess::close);
        }
    }

    /** How long each of the jobs the kill is aimed at runs: far longer than kill follows sight. */
    private static final int LONG_JOB_MILLIS = 5_000;

    /**
     * Submits long jobs, one every 200 ms (any replica may claim each: the queue is shared), until
     * the run log shows one running on {@code victim}.
     *
     * @return the long jobs' locations
     */
    private static List<String> awaitLongJobRunningOn(LauncherProcess victim, List<LauncherProcess> replicas, Path log)
            throws Exception {
        List<String> locations = new ArrayList<>();
        long deadline = System.nanoTime() + LIVENESS.toNanos();
        for (int i = 0; System.nanoTime() < deadline; i++) {
            HttpResponse<String> r = post(replicas.get(i % replicas.size()), recordJob(log, "long" + i, LONG_JOB_MILLIS), null);
            assertEquals(202, r.statusCode(), r.body());
            locations.add(r.headers().firstValue("Location").orElseThrow());
            long until = System.nanoTime() + Duration.ofMillis(200).toNanos();
            while (System.nanoTime() < until) {
                if (RunLog.read(log).stream().anyMatch(run -> run.pid() == victim.pid() && run.end() < 0
                        && run.token().startsWith("long"))) {
                    return locations;
                }
                Thread.sleep(10);
            }
        }
        throw new AssertionError("replica " + victim.pid() + " never ran a long job");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void awaitReadiness(LauncherProcess r, int status) throws InterruptedException {
        long deadline = System.nanoTime() + LIVENESS.toNanos();
        while (r.status("/health/ready", r.adminPort()) != status) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("readiness never answered " + status);
            }
            Thread.sleep(50);
        }
    }

    /** Per job, its runs sorted by start: each begins no earlier than the one before ended. */
    private static void assertNoOverlap(List<RunLog.Run> runs, Map<Long, Long> killedAt) {
        Map<String, List<RunLog.Run>> byToken = new TreeMap<>();
        for (RunLog.Run r : runs) {
            byToken.computeIfAbsent(r.token(), k -> new ArrayList<>()).add(r);
        }
        byToken.forEach((token, list) -> {
            list.sort((a, b) -> Long.compare(a.begin(), b.begin()));
            for (int i = 1; i < list.size(); i++) {
                RunLog.Run before = list.get(i - 1);
                long end = before.end() >= 0 ? before.end() : killedAt.getOrDefault(before.pid(), Long.MAX_VALUE);
                assertTrue(list.get(i).begin() >= end, "job " + token + " ran twice at once: " + list);
            }
        });
    }

    /** The fault-record handler's log: begin and end lines joined into runs (end -1 while open). */
    static final class RunLog {
        record Run(String token, long pid, long begin, long end) { }

        static long micros(Instant t) {
            return t.getEpochSecond() * 1_000_000 + t.getNano() / 1_000;
        }

        static List<Run> read(Path log) throws Exception {
            if (!Files.exists(log)) {
                return List.of();
            }
            Map<String, long[]> open = new TreeMap<>();
            List<Run> runs = new ArrayList<>();
            for (String line : Files.readAllLines(log)) {
                String[] f = line.split(" ");
                if (f.length != 4) {
                    continue;
                }
                String key = f[0] + " " + f[3];
                if (f[1].equals("begin")) {
                    open.put(key, new long[] {Long.parseLong(f[2])});
                } else {
                    long[] b = open.remove(key);
                    if (b != null) {
                        runs.add(new Run(f[0], Long.parseLong(f[3]), b[0], Long.parseLong(f[2])));
                    }
                }
            }
            open.forEach((key, b) -> runs.add(new Run(key.split(" ")[0], Long.parseLong(key.split(" ")[1]), b[0], -1)));
            return runs;
        }
    }

    /**
     * A load generator for the store drills: one client submits fault-record jobs round-robin
     * across the replicas (the list may change as replicas restart) and reads each new job back
     * from another replica. It counts answers by status and keeps the Location of every 202.
     */
    private static final class Load {
        final List<LauncherProcess> replicas;
        final Path log;
        final int millis;
        final List<String> accepted = new CopyOnWriteArrayList<>();
        final Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        final AtomicBoolean stop = new AtomicBoolean();
        Thread thread;

        Load(List<LauncherProcess> replicas, Path log, int millis) {
            this.replicas = replicas;
            this.log = log;
            this.millis = millis;
        }

        void start() {
            thread = Thread.ofVirtual().start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    List<LauncherProcess> now = List.copyOf(replicas);
                    LauncherProcess to = now.get(i % now.size());
                    LauncherProcess reader = now.get((i + 1) % now.size());
                    try {
                        HttpResponse<String> r = post(to, recordJob(log, "job" + i, millis), "load-" + i);
                        count(r.statusCode());
                        if (r.statusCode() == 202) {
                            String location = r.headers().firstValue("Location").orElseThrow();
                            accepted.add(location);
                            count(get(reader, location).statusCode());
                        }
                        Thread.sleep(25);
                    } catch (java.io.IOException e) {
                        // A replica that is stopping refuses connections: the balancer's job, not a lost job.
                        count(-1);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
        }

        private void count(int status) {
            statuses.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
        }

        void awaitAccepted(int n) throws InterruptedException {
            long deadline = System.nanoTime() + LIVENESS.toNanos();
            while (accepted.size() < n) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("only " + accepted.size() + " of " + n + " jobs accepted: " + statuses);
                }
                Thread.sleep(20);
            }
        }

        void awaitStatus(int status) throws InterruptedException {
            long deadline = System.nanoTime() + LIVENESS.toNanos();
            while (!statuses.containsKey(status)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("never answered " + status + ": " + statuses);
                }
                Thread.sleep(20);
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(Duration.ofSeconds(30));
        }
    }
}
