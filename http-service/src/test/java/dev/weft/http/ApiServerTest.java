package dev.weft.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.NotFoundException;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Errors, limits, metrics and the OpenAPI document of the API server, including mounted routes. */
@ExtendWith(NoLeakedThreads.class)
class ApiServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private ApiServer server;

    /** Stands in for the worker's job routes: what a mounted module does. */
    private final class JobsStub implements HttpService {
        @Override
        public void routing(HttpRules rules) {
            rules.post("/", (req, res) -> {
                if (!req.headers().contentType().map(ct -> ct.mediaType().text().equals("application/json")).orElse(false)) {
                    throw new HttpException("the body must be application/json", Status.UNSUPPORTED_MEDIA_TYPE_415, true);
                }
                JSON.readTree(req.content().as(byte[].class));
                res.status(Status.ACCEPTED_202).header(HeaderNames.LOCATION, "/api/v1/jobs/1").send();
            });
            rules.get("/{id}", (req, res) -> {
                switch (req.path().pathParameters().get("id")) {
                    case "boom" -> throw new IllegalStateException("secret internals");
                    case "block" -> {
                        entered.countDown();
                        release.await(30, TimeUnit.SECONDS);
                        res.send("{}");
                    }
                    case "1" -> res.send("{}");
                    default -> throw new NotFoundException("no such job");
                }
            });
        }
    }

    private int start(ApiServer.Builder builder) {
        server = builder.host("127.0.0.1").port(0).registry(registry).mount("/api/v1/jobs", new JobsStub()).build();
        server.start();
        return server.port();
    }

    private int start() {
        return start(ApiServer.builder().maxPayloadSize(1024));
    }

    @AfterEach
    void stop() {
        release.countDown();
        if (server != null) {
            server.stop(Context.background());
        }
    }

    @Test
    void unknownRouteIs404Problem() throws Throwable {
        int port = start();
        given().port(port).when().get("/nope/x")
                .then().statusCode(404).contentType(Problem.MEDIA_TYPE)
                .body("type", equalTo(Problem.TYPE_BASE + "route-not-found"))
                .body("status", equalTo(404))
                .body("instance", equalTo("/nope/x"));
        eventually(() -> assertEquals(1, registry.get("http.server.requests").tag("uri", "NOT_FOUND").tag("status", "404")
                .tag("outcome", "CLIENT_ERROR").timer().count()));
    }

    @Test
    void wrongMethodIs405WithAllowOnOwnAndMountedRoutes() {
        int port = start();
        given().port(port).when().delete("/api/v1/hello")
                .then().statusCode(405).contentType(Problem.MEDIA_TYPE).header("Allow", "GET, HEAD")
                .body("type", equalTo(Problem.TYPE_BASE + "method-not-allowed"));
        given().port(port).when().put("/api/v1/jobs/7")
                .then().statusCode(405).header("Allow", "GET, HEAD");
        given().port(port).when().get("/api/v1/jobs")
                .then().statusCode(405).header("Allow", "POST");
    }

    @Test
    void mountedRouteErrorsAreProblems() throws Throwable {
        int port = start();
        given().port(port).contentType("text/plain").body("hi").when().post("/api/v1/jobs")
                .then().statusCode(415).contentType(Problem.MEDIA_TYPE)
                .body("type", equalTo(Problem.TYPE_BASE + "unsupported-media-type"));
        given().port(port).contentType("application/json").body("{\"broken\":").when().post("/api/v1/jobs")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                .body("type", equalTo(Problem.TYPE_BASE + "malformed-json"))
                .body("detail", not(containsString("Exception")));
        given().port(port).contentType("application/json").body("{\"ok\":true}").when().post("/api/v1/jobs")
                .then().statusCode(202);
        given().port(port).when().get("/api/v1/jobs/42")
                .then().statusCode(404).contentType(Problem.MEDIA_TYPE).body("detail", equalTo("no such job"));
        given().port(port).when().get("/api/v1/jobs/boom")
                .then().statusCode(500).contentType(Problem.MEDIA_TYPE)
                .body("detail", not(containsString("secret")))
                .body(not(containsString("at dev.weft")));
        eventually(() -> assertEquals(1, registry.get("http.server.requests").tag("uri", "/api/v1/jobs/{id}").tag("status", "404").timer().count()));
        eventually(() -> assertEquals(1, registry.get("http.server.requests").tag("uri", "/api/v1/jobs").tag("method", "POST")
                .tag("status", "202").timer().count()));
    }

    @Test
    void bodyOverTheLimitIs413Problem() {
        int port = start();
        byte[] big = "{\"x\":\"".concat("a".repeat(2000)).concat("\"}").getBytes(StandardCharsets.UTF_8);
        given().port(port).contentType("application/json").body(big).when().post("/api/v1/jobs")
                .then().statusCode(413).contentType(Problem.MEDIA_TYPE)
                .body("type", equalTo(Problem.TYPE_BASE + "payload-too-large"))
                .body("detail", containsString("1024"));
    }

    @Test
    void overTheConcurrencyLimitIs503WithRetryAfter() throws Exception {
        int port = start(ApiServer.builder().maxConcurrentRequests(1));
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Response> held = clients.submit(() -> given().port(port).when().get("/api/v1/jobs/block"));
            assertTrue(entered.await(15, TimeUnit.SECONDS));
            given().port(port).when().get("/api/v1/hello")
                    .then().statusCode(503).contentType(Problem.MEDIA_TYPE).header("Retry-After", "1")
                    .body("type", equalTo(Problem.TYPE_BASE + "overloaded"));
            release.countDown();
            assertEquals(200, held.get(15, TimeUnit.SECONDS).statusCode());
        }
        given().port(port).when().get("/api/v1/hello").then().statusCode(200);
        assertEquals(1.0, registry.get("http.server.requests.rejected").tag("reason", "concurrency").counter().count());
    }

    @Test
    void overTheRateLimitIs429WithRetryAfter() {
        // Burst 2 and a refill far slower than the test: the third request is refused.
        int port = start(ApiServer.builder().rateLimit(0.01, 2));
        given().port(port).when().get("/api/v1/hello").then().statusCode(200);
        given().port(port).when().get("/api/v1/hello").then().statusCode(200);
        given().port(port).when().get("/api/v1/hello")
                .then().statusCode(429).contentType(Problem.MEDIA_TYPE).header("Retry-After", "100")
                .body("type", equalTo(Problem.TYPE_BASE + "rate-limited"));
        assertEquals(1.0, registry.get("http.server.requests.rejected").tag("reason", "rate_limit").counter().count());
    }

    @Test
    void requestMetricsUseTheRouteTemplate() throws Throwable {
        int port = start();
        given().port(port).when().get("/api/v1/jobs/1").then().statusCode(200);
        given().port(port).when().get("/api/v1/hello?name=Ada").then().statusCode(200);
        eventually(() -> assertEquals(1, registry.get("http.server.requests").tag("uri", "/api/v1/jobs/{id}").tag("method", "GET")
                .tag("status", "200").tag("outcome", "SUCCESS").timer().count()));
        eventually(() -> assertEquals(1, registry.get("http.server.requests").tag("uri", "/api/v1/hello").timer().count()));
        eventually(() -> assertEquals(0.0, registry.get("http.server.requests.in.flight").gauge().value()));
    }

    @Test
    void demoUpstreamValidatesItsParameters() {
        int port = start();
        given().port(port).queryParam("delay", "5ms").when().get("/api/v1/demo/upstream/alpha")
                .then().statusCode(200).body("upstream", equalTo("alpha")).body("delayMillis", equalTo(5));
        given().port(port).queryParam("status", "503").when().get("/api/v1/demo/upstream/alpha").then().statusCode(503);
        for (String bad : java.util.List.of("11s", "soon", "-1")) {
            given().port(port).queryParam("delay", bad).when().get("/api/v1/demo/upstream/alpha")
                    .then().statusCode(400).contentType(Problem.MEDIA_TYPE);
        }
    }

    @Test
    void theOpenApiDocumentAndTheRoutesAgree() {
        int port = start();
        String doc = given().port(port).when().get("/openapi").then().statusCode(200).extract().asString();
        Set<String> documented = new TreeSet<>();
        String path = null;
        Matcher m;
        for (String line : doc.split("\n")) {
            if ((m = Pattern.compile("^  (/\\S*):\\s*$").matcher(line)).matches()) {
                path = m.group(1);
            } else if (path != null && (m = Pattern.compile("^    (get|put|post|delete|patch|head|options):\\s*$").matcher(line)).matches()) {
                documented.add(m.group(1).toUpperCase(java.util.Locale.ROOT) + " " + path);
            } else if (!line.startsWith(" ")) {
                path = null;
            }
        }
        Set<String> served = new TreeSet<>();
        for (String r : server.routes()) {
            String norm = r.endsWith("/") ? r.substring(0, r.length() - 1) : r;
            if (!norm.startsWith("HEAD ")) {
                served.add(norm);
            }
        }
        assertEquals(served, documented);
        assertTrue(new HashSet<>(documented).contains("GET /api/v1/aggregate"));
    }

    /**
     * Retries {@code assertion} for up to 5 s: the request filter records a request's meters after
     * its response is written, so the client can see the answer a moment before the meter moves.
     */
    private static void eventually(org.junit.jupiter.api.function.Executable assertion) throws Throwable {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (true) {
            try {
                assertion.execute();
                return;
            } catch (AssertionError | io.micrometer.core.instrument.search.MeterNotFoundException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(5);
            }
        }
    }
}
