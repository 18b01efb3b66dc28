package dev.weft.http;

import dev.weft.patterns.Context;
import dev.weft.patterns.WeftThreads;
import dev.weft.patterns.testing.NoLeakedThreads;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The aggregate fan-out against real upstream servers that answer, fail, are slow and hang. */
@ExtendWith(NoLeakedThreads.class)
class AggregateTest {

    /** Generous: the machine is shared with other builds. */
    private static final Duration MARGIN = Duration.ofSeconds(5);
    private static final Duration LATCH = Duration.ofSeconds(15);

    private UpstreamStub stub;
    private ApiServer server;
    private SimpleMeterRegistry registry;

    @BeforeEach
    void startStub() throws Exception {
        stub = new UpstreamStub();
        registry = new SimpleMeterRegistry();
    }

    @AfterEach
    void stopAll() {
        if (server != null) {
            server.stop(Context.background());
        }
        stub.close();
    }

    private int start(Duration timeout, String... upstreams) {
        List<Upstream> list = new ArrayList<>();
        for (String u : upstreams) {
            String[] nameAndPath = u.split("=", 2);
            list.add(new Upstream(nameAndPath[0], stub.url(nameAndPath[1])));
        }
        return start(new Aggregation(timeout, Duration.ofSeconds(20), 4, list));
    }

    private int start(Aggregation aggregation) {
        server = ApiServer.builder().host("127.0.0.1").port(0).registry(registry).aggregation(aggregation).build();
        server.start();
        return server.port();
    }

    @Test
    void allModeAnswersEveryUpstreamInConfiguredOrder() {
        int port = start(Duration.ofSeconds(10), "a=/ok", "b=/slow", "c=/ok");
        given().port(port).when().get("/api/v1/aggregate")
                .then().statusCode(200).contentType("application/json")
                .body("mode", equalTo("all"))
                .body("timeoutMillis", equalTo(10_000))
                .body("upstreams.name", contains("a", "b", "c"))
                .body("upstreams.status", contains(200, 200, 200))
                .body("upstreams[1].latencyMillis", org.hamcrest.Matchers.greaterThanOrEqualTo(200));
        assertEquals(1, registry.get("http.aggregate.upstream").tag("upstream", "b").tag("outcome", "SUCCESS").timer().count());
    }

    @Test
    void defaultsFanOutToTheDemoUpstreamsOnTheBoundPort() {
        int port = start(Aggregation.defaults());
        given().port(port).when().get("/api/v1/aggregate")
                .then().statusCode(200)
                .body("upstreams.name", contains("alpha", "beta", "gamma"))
                .body("upstreams.status", contains(200, 200, 200));
    }

    @Test
    void aFailureCancelsTheSiblingsAnd502s() throws Exception {
        int port = start(Duration.ofSeconds(20), "hang=/hang", "bad=/fail-after-hang");
        long t0 = System.nanoTime();
        given().port(port).when().get("/api/v1/aggregate")
                .then().statusCode(502).contentType(Problem.MEDIA_TYPE)
                .body("type", equalTo(Problem.TYPE_BASE + "upstream-failure"))
                .body("detail", containsString("bad"))
                .body("instance", equalTo("/api/v1/aggregate"));
        // Well before the 20 s deadline: the failure, not the deadline, ended it.
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(15).toNanos());
        assertTrue(stub.hangClosed.await(LATCH.toSeconds(), TimeUnit.SECONDS), "the hanging upstream's connection was closed");
    }

    @Test
    void theDeadlineIsHonouredWith504AndTheHangingCallAborted() throws Exception {
        int port = start(Duration.ofSeconds(10), "ok=/ok", "hang=/hang");
        long t0 = System.nanoTime();
        given().port(port).header("X-Request-Timeout", "500ms").when().get("/api/v1/aggregate")
                .then().statusCode(504).contentType(Problem.MEDIA_TYPE)
                .body("type", equalTo(Problem.TYPE_BASE + "upstream-timeout"))
                .body("detail", containsString("hang"));
        long elapsed = System.nanoTime() - t0;
        assertTrue(elapsed < Duration.ofMillis(500).plus(MARGIN).toNanos(), "answered within deadline + margin: " + elapsed);
        assertTrue(stub.hangClosed.await(LATCH.toSeconds(), TimeUnit.SECONDS), "the hanging upstream's connection was closed");
    }

    @Test
    void partialModeReportsEachFailureAndAnswers200() throws Exception {
        int port = start(Duration.ofSeconds(10), "ok=/ok", "bad=/fail", "hang=/hang");
        long t0 = System.nanoTime();
        given().port(port).header("X-Request-Timeout", "700").queryParam("mode", "partial")
                .when().get("/api/v1/aggregate")
                .then().statusCode(200)
                .body("mode", equalTo("partial"))
                .body("timeoutMillis", equalTo(700))
                .body("upstreams.status", contains(200, 500, null))
                .body("upstreams[0].error", nullValue())
                .body("upstreams[1].error", equalTo("upstream answered 500"))
                .body("upstreams[2].error", equalTo("deadline exceeded"));
        assertTrue(System.nanoTime() - t0 < Duration.ofMillis(700).plus(MARGIN).toNanos());
        assertTrue(stub.hangClosed.await(LATCH.toSeconds(), TimeUnit.SECONDS));
        assertEquals(1, registry.get("http.aggregate.upstream").tag("upstream", "hang").tag("outcome", "TIMEOUT").timer().count());
    }

    @Test
    void theTimeoutHeaderIsClampedToTheMaximum() {
        int port = start(new Aggregation(Duration.ofMillis(300), Duration.ofSeconds(1), 2, List.of()));
        given().port(port).header("X-Request-Timeout", "60s").when().get("/api/v1/aggregate")
                .then().statusCode(200).body("timeoutMillis", equalTo(1000));
    }

    @Test
    void badTimeoutHeaderOrModeIs400() {
        int port = start(Duration.ofSeconds(1), "ok=/ok");
        for (String bad : List.of("soon", "0", "-5", "1.5s", "10m")) {
            given().port(port).header("X-Request-Timeout", bad).when().get("/api/v1/aggregate")
                    .then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                    .body("detail", containsString("X-Request-Timeout"));
        }
        given().port(port).queryParam("mode", "some").when().get("/api/v1/aggregate")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE);
    }

    @Test
    void identicalConcurrentRequestsAreCollapsedAndCounted() throws Exception {
        int port = start(Duration.ofSeconds(20), "gate=/gate");
        int n = 5;
        List<Future<Response>> answers = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                answers.add(clients.submit(() -> given().port(port).when().get("/api/v1/aggregate")));
            }
            // Every request is in the server while the one upstream call is held at the gate.
            long deadline = System.nanoTime() + LATCH.toNanos();
            while ((stub.gateHits.get() < 1 || registry.get("http.server.requests.in.flight").gauge().value() < n)
                    && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            }
            assertEquals(n, (int) registry.get("http.server.requests.in.flight").gauge().value());
            stub.release.countDown();
            for (Future<Response> f : answers) {
                assertEquals(200, f.get(LATCH.toSeconds(), TimeUnit.SECONDS).statusCode());
            }
        }
        double collapsed = registry.get("http.aggregate.collapsed").counter().count();
        // Invariant: every request either led a fan-out (one gate hit each) or shared one.
        assertEquals(n, stub.gateHits.get() + (int) collapsed);
        assertTrue(collapsed >= 1, "at least one request was collapsed");
    }

    @Test
    void shutdownBudgetEndCancelsTheAggregateWithACompleteProblem() throws Exception {
        int port = start(Duration.ofSeconds(20), "hang=/hang");
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Response> answer = clients.submit(() -> given().port(port).when().get("/api/v1/aggregate"));
            assertTrue(stub.hangStarted.await(LATCH.toSeconds(), TimeUnit.SECONDS));
            long t0 = System.nanoTime();
            boolean drained = server.stop(Context.withTimeout(Context.background(), Duration.ofMillis(300)));
            assertFalse(drained, "the budget ran out with the aggregate in flight");
            assertTrue(System.nanoTime() - t0 < Duration.ofMillis(300).plus(MARGIN).toNanos());
            Response r = answer.get(LATCH.toSeconds(), TimeUnit.SECONDS);
            assertEquals(503, r.statusCode());
            assertEquals(Problem.TYPE_BASE + "shutting-down", r.jsonPath().getString("type"));
            assertTrue(stub.hangClosed.await(LATCH.toSeconds(), TimeUnit.SECONDS));
        }
        server = null;
        assertTrue(NoLeakedThreads.awaitLeaks(java.util.Set.of(), Duration.ofSeconds(5)).stream()
                .noneMatch(t -> t.getName().startsWith("weft-http-client") || t.getName().startsWith("weft-errgroup")),
                () -> "leaked: " + WeftThreads.liveThreads());
    }
}
