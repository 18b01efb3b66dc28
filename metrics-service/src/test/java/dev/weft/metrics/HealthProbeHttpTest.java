package dev.weft.metrics;

import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The probes over HTTP, with checks that fail, hang or report a saturated queue. */
@ExtendWith(NoLeakedThreads.class)
class HealthProbeHttpTest {

    private static final Duration CHECK_TIMEOUT = Duration.ofMillis(300);
    /** A liveness bound, not a speed assertion: only a probe that waits on the hang would miss it. */
    private static final Duration ANSWER_WITHIN = CHECK_TIMEOUT.plusSeconds(10);

    private static final CountDownLatch never = new CountDownLatch(1);
    private static final AtomicInteger queueDepth = new AtomicInteger();
    private static Metrics metrics;
    private static AdminServer server;

    @BeforeAll
    static void start() {
        metrics = Metrics.create("weft-test", "test-instance");
        Health health = new Health(CHECK_TIMEOUT)
                .add(Probe.LIVE, "hanging", ctx -> never.await())
                .add(Probe.LIVE, "failing", ctx -> {
                    throw new IllegalStateException("disk full");
                })
                .add(Probe.READY, "worker-queue", HealthCheck.notSaturated("worker queue", queueDepth::get, 2));
        health.markStarted();
        server = new AdminServer("127.0.0.1", 0, metrics, health);
        server.start();
    }

    @AfterAll
    static void stop() {
        never.countDown();
        server.stop(Context.background());
        metrics.close();
    }

    @Test
    void hangingAndFailingChecksMakeTheProbeDownWithinTheTimeout() throws Exception {
        HttpResponse<String> res = get("/health/live");
        assertEquals(503, res.statusCode(), res.body());
        assertTrue(res.body().contains("\"name\":\"hanging\",\"status\":\"DOWN\""), res.body());
        assertTrue(res.body().contains("\"detail\":\"timed out after 300 ms\""), res.body());
        assertTrue(res.body().contains("\"detail\":\"disk full\""), res.body());
    }

    @Test
    void readinessFollowsQueueSaturation() throws Exception {
        queueDepth.set(1);
        assertEquals(200, get("/health/ready").statusCode());
        queueDepth.set(2);
        HttpResponse<String> full = get("/health/ready");
        assertEquals(503, full.statusCode());
        assertTrue(full.body().contains("\"detail\":\"worker queue full: 2/2\""), full.body());
        queueDepth.set(0);
        assertEquals(200, get("/health/ready").statusCode());
    }

    @Test
    void notSaturatedRejectsANonPositiveCapacity() {
        assertThrows(IllegalArgumentException.class, () -> HealthCheck.notSaturated("q", () -> 0, 0));
    }

    /** GETs a path, failing the test if no answer comes within {@link #ANSWER_WITHIN}. */
    private static HttpResponse<String> get(String path) throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                    .timeout(ANSWER_WITHIN).build(), HttpResponse.BodyHandlers.ofString());
        }
    }
}
