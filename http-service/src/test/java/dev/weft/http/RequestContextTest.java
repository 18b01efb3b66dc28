package dev.weft.http;

import dev.weft.patterns.Context;
import dev.weft.patterns.DeadlineExceededException;
import dev.weft.patterns.testing.NoLeakedThreads;
import io.helidon.webserver.http.Handler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The request-scoped context every handler of the API server can get: deadline, shutdown, end of the exchange. */
@ExtendWith(NoLeakedThreads.class)
class RequestContextTest {

    private static final Duration LATCH = Duration.ofSeconds(15);

    private final AtomicReference<Context> seen = new AtomicReference<>();
    private ApiServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Context.background());
        }
    }

    /** Starts a server with one route, {@code GET /api/v1/probe}, answered by {@code handler}. */
    private int start(Handler handler) {
        server = ApiServer.builder().host("127.0.0.1").port(0).registry(new SimpleMeterRegistry())
                .routes("/api/v1", r -> rules -> rules.get("/probe", handler))
                .build();
        server.start();
        return server.port();
    }

    /**
     * How long the handler's context has left, in milliseconds, just after it was taken: at most
     * the timeout it was given (its deadline was computed a moment earlier).
     */
    private Handler remainingMillis(java.util.function.Function<io.helidon.webserver.http.ServerRequest, Context> get) {
        return (req, res) -> {
            Context ctx = get.apply(req);
            Instant now = Instant.now();
            seen.set(ctx);
            res.send(ctx.deadline().map(d -> String.valueOf(Duration.between(now, d).toMillis())).orElse("none"));
        };
    }

    private static long millis(Response r) {
        return Long.parseLong(r.asString());
    }

    @Test
    void theRouteDefaultIsTheDeadlineWithoutAHeader() {
        int port = start(remainingMillis(req -> RequestContext.of(req, Duration.ofSeconds(3))));
        long ms = millis(given().port(port).get("/api/v1/probe"));
        assertTrue(ms > 2_000 && ms <= 3_000, "deadline about 3 s ahead, got " + ms + " ms");
    }

    @Test
    void theHeaderShortensTheDeadlineButOnlyUpToTheMaximumLengthensIt() {
        int port = start(remainingMillis(req -> RequestContext.of(req, Duration.ofSeconds(3), Duration.ofSeconds(5))));
        long shorter = millis(given().port(port).header(RequestContext.TIMEOUT_HEADER, "400ms").get("/api/v1/probe"));
        assertTrue(shorter > 0 && shorter <= 400, "asked 400 ms, got " + shorter);
        long clamped = millis(given().port(port).header(RequestContext.TIMEOUT_HEADER, "60s").get("/api/v1/probe"));
        assertTrue(clamped > 4_000 && clamped <= 5_000, "asked 60 s, clamped to 5 s, got " + clamped);
    }

    @Test
    void withoutARouteDefaultOnlyTheHeaderSetsADeadline() {
        int port = start(remainingMillis(RequestContext::of));
        assertEquals("none", given().port(port).get("/api/v1/probe").asString());
        long ms = millis(given().port(port).header(RequestContext.TIMEOUT_HEADER, "700").get("/api/v1/probe"));
        assertTrue(ms > 0 && ms <= 700, "asked 700 ms, got " + ms);
    }

    @Test
    void aMalformedOrZeroHeaderIsTheClientsFault() {
        int port = start(remainingMillis(req -> RequestContext.of(req, Duration.ofSeconds(1))));
        for (String bad : new String[] {"soon", "0", "-5", "1.5s", "99999999999999"}) {
            given().port(port).header(RequestContext.TIMEOUT_HEADER, bad).get("/api/v1/probe")
                    .then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                    .body("detail", containsString(RequestContext.TIMEOUT_HEADER));
        }
    }

    @Test
    void everyCallInOneRequestReturnsTheSameContextAndItEndsWithTheExchange() throws Exception {
        int port = start((req, res) -> {
            Context first = RequestContext.of(req, Duration.ofSeconds(30));
            assertSame(first, RequestContext.of(req));
            seen.set(first);
            res.send(first.isDone() ? "done" : "live");
        });
        assertEquals("live", given().port(port).get("/api/v1/probe").asString());
        // The filter cancels it once the handler has returned, which may be just after the client has the answer.
        assertTrue(seen.get().await(LATCH));
        assertFalse(seen.get().err() instanceof DeadlineExceededException);
    }

    @Test
    void theEndOfTheShutdownBudgetCancelsIt() throws Exception {
        CountDownLatch waiting = new CountDownLatch(1);
        int port = start((req, res) -> {
            Context ctx = RequestContext.of(req, Duration.ofMinutes(5));
            seen.set(ctx);
            waiting.countDown();
            ctx.await();
            res.status(503).send(ctx.err() instanceof DeadlineExceededException ? "deadline" : "cancelled");
        });
        try (ExecutorService client = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Response> answer = client.submit(() -> given().port(port).get("/api/v1/probe"));
            assertTrue(waiting.await(LATCH.toSeconds(), TimeUnit.SECONDS));
            assertFalse(server.stop(Context.withTimeout(Context.background(), Duration.ofMillis(200))));
            server = null;
            assertEquals("cancelled", answer.get(LATCH.toSeconds(), TimeUnit.SECONDS).asString());
        }
        assertInstanceOf(dev.weft.patterns.ContextCanceledException.class, seen.get().err());
    }
}
