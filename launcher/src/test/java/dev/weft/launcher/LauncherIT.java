package dev.weft.launcher;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** End-to-end: the packaged launcher as its own process, driven by signals and bad config. */
class LauncherIT {

    private static final Duration START = Duration.ofSeconds(60);

    @Test
    void sigtermFlipsReadinessThenStopsInOrderAndExitsZero() throws Exception {
        // A drain delay keeps the process in shutdown long enough to observe readiness at 503.
        try (LauncherProcess weft = LauncherProcess.start("--shutdown.drain-delay=2s")) {
            weft.awaitReady(START);
            assertEquals(200, weft.status("/api/v1/hello?name=e2e", weft.apiPort()));
            // The default upstreams are the demo route on this same server, on the port bound (0 here).
            assertEquals(200, weft.status("/api/v1/aggregate", weft.apiPort()), weft.output());
            assertEquals(200, weft.status("/openapi", weft.apiPort()));
            assertEquals(404, weft.status("/api/v1/nothing-here", weft.apiPort()));
            assertEquals(200, weft.status("/health/live", weft.adminPort()));
            checksumJobSucceeds(weft);

            weft.sigterm();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            int ready = 200;
            while (ready == 200 && System.nanoTime() < deadline) {
                ready = weft.status("/health/ready", weft.adminPort());
            }
            assertEquals(503, ready, "readiness must answer 503 during shutdown\n" + weft.output());
            assertEquals(200, weft.status("/health/live", weft.adminPort()), "liveness stays up during shutdown");

            int code = weft.awaitExit(Duration.ofSeconds(40));
            weft.assertNoWeftThreadsLeft();
            assertEquals(0, code, weft.output());
            assertInOrder(weft.stdout(), "shutdown begins", "readiness off", "drain delay", "stop http",
                    "worker stopped: accepted=1 succeeded=1 failed=0 cancelled=0 abandoned=0", "stop worker", "stop admin", "shutdown complete", "weft threads alive after shutdown: 0", "exit 0");
        }
    }

    @Test
    void serviceFailingAtStartStopsTheOthersAndExitsOne() throws Exception {
        try (LauncherProcess weft = LauncherProcess.start("--fault.fail-start=http")) {
            int code = weft.awaitExit(START);
            weft.assertNoWeftThreadsLeft();
            assertEquals(1, code, weft.output());
            List<String> out = weft.stdout();
            assertInOrder(out, "fault.fail-start: http", "stop worker", "stop admin", "exit 1");
            assertTrue(out.stream().noneMatch(l -> l.contains("listening:")), "no listener announced:\n" + weft.output());
        }
    }

    @Test
    void badConfigValueExitsTwoWithOneLineNamingTheKey() throws Exception {
        try (LauncherProcess weft = LauncherProcess.start("--worker.workers=lots")) {
            int code = weft.awaitExit(START);
            assertEquals(2, code, weft.output());
            assertEquals(List.of("weft: invalid configuration: worker.workers: expected an integer, got 'lots'"),
                    weft.stderr(), weft.output());
        }
    }

    @Test
    void demoRoutesOffNeedUpstreamsThatDoNotCallThem() throws Exception {
        try (LauncherProcess weft = LauncherProcess.start("--http.demo.enabled=false")) {
            assertEquals(2, weft.awaitExit(START), weft.output());
            assertEquals(1, weft.stderr().size(), weft.output());
            assertTrue(weft.stderr().getFirst().startsWith("weft: invalid configuration: http.aggregate.upstreams: upstream alpha"),
                    weft.output());
        }
        try (LauncherProcess weft = LauncherProcess.start("--http.demo.enabled=false", "--http.aggregate.upstreams=")) {
            weft.awaitReady(START);
            assertEquals(404, weft.status("/api/v1/demo/upstream/a", weft.apiPort()));
            assertEquals(200, weft.status("/api/v1/aggregate", weft.apiPort()), weft.output());
            weft.sigterm();
            assertEquals(0, weft.awaitExit(START), weft.output());
        }
    }

    @Test
    void badEnvironmentValueIsNamedByItsKey() throws Exception {
        try (LauncherProcess weft = LauncherProcess.start(java.util.Map.of(ServiceName.environmentVariable("shutdown.timeout"), "soon"))) {
            assertEquals(2, weft.awaitExit(START), weft.output());
            assertEquals(List.of("weft: invalid configuration: shutdown.timeout: expected a duration such as 30s, 500ms, 2m or PT30S, got 'soon'"),
                    weft.stderr(), weft.output());
        }
    }

    /**
     * A Service named "server" (or "admin") in the pod's namespace makes Kubernetes inject
     * SERVER_PORT=tcp://10.96.0.12:80 (service links). It is not Weft's variable: the launcher starts
     * on the ports its own prefixed variables give, and stops cleanly.
     */
    @Test
    void kubernetesServiceLinkVariablesDoNotStopTheStart() throws Exception {
        try (LauncherProcess weft = LauncherProcess.startConfiguredByEnvironment(java.util.Map.of(
                "SERVER_PORT", "tcp://10.96.0.12:80",
                "ADMIN_PORT", "tcp://10.96.0.13:8081"))) {
            weft.awaitReady(START);
            assertEquals(200, weft.status("/api/v1/hello?name=links", weft.apiPort()), weft.output());
            weft.sigterm();
            assertEquals(0, weft.awaitExit(Duration.ofSeconds(40)), weft.output());
        }
    }

    /**
     * The operator endpoints of the packaged launcher: /config names each value's origin (a flag, a
     * WEFT_ variable, a default) and masks the password; with writes on, a logger's level changes
     * and drain/undrain flip readiness while liveness stays up.
     */
    @Test
    void configShowsOriginsAndDrainFlipsReadiness() throws Exception {
        try (LauncherProcess weft = LauncherProcess.start(
                java.util.Map.of(ServiceName.environmentVariable("worker.postgres.password"), "hunter2",
                        ServiceName.environmentVariable("worker.workers"), "3"),
                "--admin.write-endpoints.enabled=true")) {
            weft.awaitReady(START);
            com.fasterxml.jackson.databind.JsonNode config = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(admin(weft, "GET", "/config", null).body()).path("keys");
            java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> byKey = new java.util.HashMap<>();
            config.forEach(k -> byKey.put(k.path("key").asText(), k));
            assertEquals(Catalogue.KEYS.size(), byKey.size(), config.toString());
            assertEntry(byKey, "admin.write-endpoints.enabled", "true", "flag", "--admin.write-endpoints.enabled");
            assertEntry(byKey, "worker.workers", "3", "environment", "WEFT_WORKER_WORKERS");
            assertEntry(byKey, "worker.postgres.password", "******", "environment", "WEFT_WORKER_POSTGRES_PASSWORD");
            assertEntry(byKey, "shutdown.timeout", "30s", "default", "application.yaml");
            assertTrue(!config.toString().contains("hunter2"), "the password itself never leaves the process");

            var set = admin(weft, "POST", "/loggers/ROOT", "{\"level\":\"WARN\"}");
            assertEquals(200, set.statusCode(), set.body());
            assertTrue(set.body().contains("\"effectiveLevel\":\"WARN\""), set.body());
            assertEquals(404, admin(weft, "POST", "/loggers/no.such.logger", "{\"level\":\"WARN\"}").statusCode());
            var reset = admin(weft, "POST", "/loggers/ROOT", "{\"level\":null}");
            assertTrue(reset.body().contains("\"configuredLevel\":\"INFO\""), "back to log.level: " + reset.body());

            assertEquals(200, admin(weft, "POST", "/drain", null).statusCode());
            var ready = admin(weft, "GET", "/health/ready", null);
            assertEquals(503, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("drained by operator"), ready.body());
            assertEquals(200, weft.status("/health/live", weft.adminPort()));
            assertEquals(200, admin(weft, "POST", "/undrain", null).statusCode());
            assertEquals(200, weft.status("/health/ready", weft.adminPort()), weft.output());

            weft.sigterm();
            assertEquals(0, weft.awaitExit(Duration.ofSeconds(40)), weft.output());
        }
    }

    private static void assertEntry(java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> byKey, String key,
                                    String value, String origin, String source) {
        com.fasterxml.jackson.databind.JsonNode e = byKey.get(key);
        assertEquals(value, e.path("value").asText(), e.toString());
        assertEquals(origin, e.path("origin").asText(), e.toString());
        assertEquals(source, e.path("source").asText(), e.toString());
    }

    /** One request to the admin port; a body is sent as application/json. */
    private static java.net.http.HttpResponse<String> admin(LauncherProcess weft, String method, String path, String json)
            throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + weft.adminPort() + path))
                .timeout(Duration.ofSeconds(10));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, json == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                : java.net.http.HttpRequest.BodyPublishers.ofString(json));
        return LauncherProcess.HTTP.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    /** Submits a checksum job to the packaged launcher and polls it to SUCCEEDED. */
    private static void checksumJobSucceeds(LauncherProcess weft) throws Exception {
        String base = "http://127.0.0.1:" + weft.apiPort();
        java.net.http.HttpResponse<String> submitted = LauncherProcess.HTTP.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/api/v1/jobs"))
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(10))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                "{\"type\":\"checksum\",\"payload\":{\"text\":\"hello weft\",\"chunkSize\":4}}"))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(202, submitted.statusCode(), submitted.body() + "\n" + weft.output());
        String location = submitted.headers().firstValue("Location").orElseThrow();
        assertTrue(location.startsWith("/api/v1/jobs/"), location);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            java.net.http.HttpResponse<String> r = LauncherProcess.HTTP.send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + location)).timeout(Duration.ofSeconds(10)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            body = r.body();
            if (body.contains("\"state\":\"SUCCEEDED\"")) {
                assertTrue(body.contains("\"root\":\""), body);
                return;
            }
            assertTrue(body.contains("\"state\":\"QUEUED\"") || body.contains("\"state\":\"RUNNING\""), body);
            Thread.sleep(20);
        }
        fail("checksum job not SUCCEEDED within 20 s: " + body + "\n" + weft.output());
    }

    /** Each marker appears in some line, after the line of the marker before it. */
    static void assertInOrder(List<String> lines, String... markers) {
        int at = 0;
        for (String marker : markers) {
            int found = -1;
            for (int i = at; i < lines.size(); i++) {
                if (lines.get(i).contains(marker)) {
                    found = i;
                    break;
                }
            }
            if (found < 0) {
                fail("'" + marker + "' not found after line " + at + ":\n" + String.join("\n", lines));
            }
            at = found + 1;
        }
    }
}
