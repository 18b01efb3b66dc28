package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.weft.http.ApiServer;
import dev.weft.http.Problem;
import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The job API over HTTP, mounted into the real ApiServer as the launcher mounts it. */
@ExtendWith(NoLeakedThreads.class)
class JobRoutesTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch gateEntered = new CountDownLatch(1);
    private WorkerService worker;
    private ApiServer api;
    private boolean workerStopped;

    private int start(int workers, int queueCapacity) {
        worker = WorkerService.builder().workers(workers).queueCapacity(queueCapacity).registry(registry)
                .handler(new ChecksumHandler())
                .handler(new TestHandler("gate", (ctx, p) -> {
                    gateEntered.countDown();
                    release.await();
                    return IntNode.valueOf(1);
                })).build();
        worker.start();
        api = ApiServer.builder().host("127.0.0.1").port(0).registry(registry)
                .mount("/api/v1", worker.routes("/api/v1")).build();
        api.start();
        return api.port();
    }

    @AfterEach
    void stop() throws Exception {
        release.countDown();
        if (api != null) {
            api.stop(Context.background());
        }
        if (worker != null && !workerStopped) {
            worker.stop(Context.withTimeout(Context.background(), Duration.ofSeconds(30)));
        }
    }

    private static JsonNode awaitTerminal(int port, String location) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Response r = given().port(port).when().get(location);
            assertEquals(200, r.statusCode(), r.asString());
            JsonNode job = r.as(JsonNode.class);
            if (JobState.valueOf(job.get("state").asText()).terminal()) {
                return job;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("job at " + location + " did not finish");
    }

    @Test
    void submitReturns202WithLocationThenTheJobSucceeds() throws Exception {
        int port = start(2, 10);
        Response r = given().port(port).contentType("application/json")
                .body("{\"type\":\"checksum\",\"payload\":{\"text\":\"abcdefghij\",\"chunkSize\":4}}")
                .when().post("/api/v1/jobs");
        r.then().statusCode(202).contentType("application/json")
                .body("state", equalTo("QUEUED")).body("type", equalTo("checksum")).body("attempts", equalTo(0));
        String id = r.path("id");
        assertEquals("/api/v1/jobs/" + id, r.header("Location"));

        JsonNode done = awaitTerminal(port, r.header("Location"));
        assertEquals("SUCCEEDED", done.get("state").asText(), done.toString());
        MessageDigest root = MessageDigest.getInstance("SHA-256");
        for (String chunk : new String[] {"abcd", "efgh", "ij"}) {
            root.update(MessageDigest.getInstance("SHA-256").digest(chunk.getBytes()));
        }
        assertEquals(HexFormat.of().formatHex(root.digest()), done.get("result").get("root").asText());
        assertEquals(1, done.get("attempts").asInt());
        assertTrue(done.get("error").isNull());
        assertEquals(1.0, registry.get("weft.jobs.submitted").counter().count());
        assertEquals(1.0, registry.get("weft.jobs.completed").tag("type", "checksum").tag("outcome", "succeeded").counter().count());
    }

    @Test
    void badSubmissionsAreProblems() {
        int port = start(1, 10);
        given().port(port).contentType("text/plain").body("hi").when().post("/api/v1/jobs")
                .then().statusCode(415).contentType(Problem.MEDIA_TYPE)
                .body("type", equalTo(Problem.TYPE_BASE + "unsupported-media-type"));
        given().port(port).contentType("application/json").body("{\"type\":").when().post("/api/v1/jobs")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                .body("type", equalTo(Problem.TYPE_BASE + "malformed-json"));
        given().port(port).contentType("application/json").body("[1,2]").when().post("/api/v1/jobs")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE).body("detail", containsString("type"));
        given().port(port).contentType("application/json").body("{\"type\":\"mine-bitcoin\",\"payload\":{}}").when().post("/api/v1/jobs")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                .body("type", equalTo(Problem.TYPE_BASE + "bad-request"))
                .body("detail", containsString("unknown job type 'mine-bitcoin'"));
        given().port(port).contentType("application/json").body("{\"type\":\"checksum\",\"payload\":{\"text\":1}}").when().post("/api/v1/jobs")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                .body("detail", containsString("'text' must be a string"))
                .body("detail", not(containsString("Exception")));
        given().port(port).contentType("application/json").when().post("/api/v1/jobs")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE).body("detail", containsString("JSON body"));
        given().port(port).contentType("application/json")
                .body("{\"type\":\"checksum\",\"payload\":{\"text\":\"a\",\"chunkSize\":1},\"priority\":9}")
                .when().post("/api/v1/jobs")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE).body("detail", containsString("nothing else"));
        given().port(port).contentType("application/json")
                .body("{\"type\":\"checksum\",\"payload\":{\"text\":\"a\",\"chunkSize\":1,\"algorithm\":\"md5\"}}")
                .when().post("/api/v1/jobs")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE).body("detail", containsString("unknown field 'algorithm'"));
        assertEquals(8.0, registry.get("weft.jobs.rejected").tag("reason", "invalid").counter().count());
        assertEquals(0.0, registry.get("weft.jobs.submitted").counter().count());
    }

    @Test
    void unknownOrMalformedIdIs404() {
        int port = start(1, 10);
        for (String id : new String[] {"0b6d1f0e-5a37-4a55-9b7a-2f1c7f0f8a11", "nope", "1-2-3-4-5", "42"}) {
            given().port(port).when().get("/api/v1/jobs/" + id)
                    .then().statusCode(404).contentType(Problem.MEDIA_TYPE)
                    .body("type", equalTo(Problem.TYPE_BASE + "not-found"));
        }
    }

    @Test
    void fullQueueIs429WithRetryAfter() throws Exception {
        int port = start(1, 1);
        String gate = "{\"type\":\"gate\",\"payload\":{}}";
        given().port(port).contentType("application/json").body(gate).when().post("/api/v1/jobs").then().statusCode(202);
        assertTrue(gateEntered.await(20, TimeUnit.SECONDS));
        given().port(port).contentType("application/json").body(gate).when().post("/api/v1/jobs").then().statusCode(202);
        given().port(port).contentType("application/json").body(gate).when().post("/api/v1/jobs")
                .then().statusCode(429).contentType(Problem.MEDIA_TYPE).header("Retry-After", "1")
                .body("type", equalTo(Problem.TYPE_BASE + "rate-limited"))
                .body("detail", containsString("queue is full"));
        assertEquals(1.0, registry.get("weft.jobs.rejected").tag("reason", "queue_full").counter().count());
    }

    @Test
    void shuttingDownIs503AndFinishedJobsStayVisible() throws Exception {
        int port = start(1, 10);
        Response r = given().port(port).contentType("application/json")
                .body("{\"type\":\"checksum\",\"payload\":{\"text\":\"x\"}}").when().post("/api/v1/jobs");
        r.then().statusCode(202);
        awaitTerminal(port, r.header("Location"));
        assertTrue(worker.stop(Context.withTimeout(Context.background(), Duration.ofSeconds(30))));
        workerStopped = true;
        given().port(port).contentType("application/json").body("{\"type\":\"checksum\",\"payload\":{\"text\":\"x\"}}")
                .when().post("/api/v1/jobs")
                .then().statusCode(503).contentType(Problem.MEDIA_TYPE).header("Retry-After", "1")
                .body("type", equalTo(Problem.TYPE_BASE + "unavailable"));
        given().port(port).when().get(r.header("Location")).then().statusCode(200)
                .body("state", equalTo("SUCCEEDED")).body("error", nullValue());
        assertEquals(1.0, registry.get("weft.jobs.rejected").tag("reason", "shutting_down").counter().count());
    }

    @Test
    void anIdempotencyKeyReplaysTheOriginalJobAndRefusesADifferentBody() {
        int port = start(1, 10);
        String body = "{\"type\":\"checksum\",\"payload\":{\"text\":\"once\"}}";
        Response first = given().port(port).contentType("application/json").header("Idempotency-Key", "order-42")
                .body(body).when().post("/api/v1/jobs");
        first.then().statusCode(202).header("Idempotent-Replayed", nullValue());
        Response again = given().port(port).contentType("application/json").header("Idempotency-Key", "order-42")
                .body(body).when().post("/api/v1/jobs");
        again.then().statusCode(202).header("Idempotent-Replayed", "true").body("id", equalTo(first.path("id")));
        assertEquals(first.header("Location"), again.header("Location"));
        given().port(port).contentType("application/json").header("Idempotency-Key", "order-42")
                .body("{\"type\":\"checksum\",\"payload\":{\"text\":\"twice\"}}").when().post("/api/v1/jobs")
                .then().statusCode(422).contentType(Problem.MEDIA_TYPE)
                .body("detail", containsString("different request body"));
        given().port(port).contentType("application/json").header("Idempotency-Key", "has space")
                .body(body).when().post("/api/v1/jobs")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE).body("detail", containsString("Idempotency-Key"));
        assertEquals(1.0, registry.get("weft.jobs.submitted").counter().count());
        assertEquals(1.0, registry.get("weft.jobs.rejected").tag("reason", "key_reused").counter().count());
    }

    @Test
    void nulInAPayloadIsA400() {
        int port = start(1, 10);
        given().port(port).contentType("application/json").body("{\"type\":\"checksum\",\"payload\":{\"text\":\"a\\u0000b\"}}")
                .when().post("/api/v1/jobs")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE).body("detail", containsString("U+0000"));
    }
}
