package dev.weft.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NoLeakedThreads.class)
class AdminServerTest {

    private static Metrics metrics;
    private static Health health;
    private static AdminServer server;

    @BeforeAll
    static void start() {
        metrics = Metrics.create("weft-test", "test-instance");
        metrics.startJvmMeters(); // not awaited: a scrape waits for the JMX meters itself
        health = new Health(Duration.ofSeconds(1));
        server = new AdminServer("127.0.0.1", 0, metrics, health);
        server.start();
        RestAssured.port = server.port();
    }

    @AfterAll
    static void stop() {
        server.stop(Context.background());
        metrics.close();
    }

    @Test
    void metricsDefaultToPrometheusTextWithCommonTags() {
        given().when().get("/metrics")
                .then().statusCode(200)
                .header("Content-Type", startsWith("text/plain; version=0.0.4"))
                .body(containsString("jvm_memory_used_bytes{"))
                .body(containsString("application=\"weft-test\""))
                .body(containsString("instance=\"test-instance\""));
    }

    @Test
    void metricsServeOpenMetricsToPrometheusOwnAcceptHeader() {
        given().header("Accept", "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
                        + "application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
                        + "text/plain;version=0.0.4;q=0.3,*/*;q=0.2")
                .when().get("/metrics")
                .then().statusCode(200)
                .header("Content-Type", startsWith("application/openmetrics-text; version=1.0.0"))
                .body(containsString("# EOF"));
    }

    @Test
    void metricsAnswerHeadWithoutABody() {
        given().when().head("/metrics")
                .then().statusCode(200)
                .header("Content-Type", startsWith("text/plain; version=0.0.4"))
                .body(emptyString());
    }

    @Test
    void everyGetRouteAnswersHeadWithItsStatusAndHeadersAndNoBody() {
        for (String path : java.util.List.of("/metrics", "/health/live", "/health/ready", "/health/started", "/debug/threads")) {
            io.restassured.response.Response get = given().when().get(path);
            given().when().head(path)
                    .then().statusCode(get.statusCode())
                    .header("Content-Type", get.header("Content-Type"))
                    .header("Cache-Control", get.header("Cache-Control"))
                    .header("Content-Length", org.hamcrest.Matchers.not(equalTo("0")))
                    .body(emptyString());
        }
        given().when().head("/nope").then().statusCode(404).body(emptyString());
    }

    @Test
    void threadDumpAsTextIncludesAParkedVirtualThread() throws Exception {
        String name = "parked-for-text-dump-" + System.nanoTime();
        CountDownLatch release = new CountDownLatch(1);
        Thread parked = parkVirtualThread(name, release);
        try {
            given().when().get("/debug/threads")
                    .then().statusCode(200)
                    .header("Content-Type", startsWith("text/plain"))
                    .body(containsString("\"" + name + "\" virtual"));
        } finally {
            release.countDown();
            parked.join();
        }
    }

    @Test
    void threadDumpAsJsonWhenAcceptAsksForIt() throws Exception {
        String name = "parked-for-json-dump-" + System.nanoTime();
        CountDownLatch release = new CountDownLatch(1);
        Thread parked = parkVirtualThread(name, release);
        try {
            String body = given().header("Accept", "application/json")
                    .when().get("/debug/threads")
                    .then().statusCode(200)
                    .header("Content-Type", startsWith("application/json"))
                    .extract().asString();
            JsonNode dump = new ObjectMapper().readTree(body);
            boolean found = false;
            for (JsonNode container : dump.path("threadDump").path("threadContainers")) {
                for (JsonNode thread : container.path("threads")) {
                    if (thread.path("name").asText().equals(name)) {
                        assertTrue(thread.path("virtual").asBoolean(), thread.toString());
                        found = true;
                    }
                }
            }
            assertTrue(found, name + " not in the JSON dump");
        } finally {
            release.countDown();
            parked.join();
        }
    }

    @Test
    void threadDumpLeavesNoTemporaryFileBehind() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Set<Path> before = dumpDirs(tmp);
        given().when().get("/debug/threads").then().statusCode(200);
        given().header("Accept", "application/json").when().get("/debug/threads").then().statusCode(200);
        assertEquals(before, dumpDirs(tmp));
    }

    private static Set<Path> dumpDirs(Path tmp) throws Exception {
        try (Stream<Path> files = Files.list(tmp)) {
            return files.filter(f -> f.getFileName().toString().startsWith("weft-threads-")).collect(Collectors.toSet());
        }
    }

    /** Starts a virtual thread that parks on {@code release}; returns once it is waiting. */
    private static Thread parkVirtualThread(String name, CountDownLatch release) throws InterruptedException {
        CountDownLatch parking = new CountDownLatch(1);
        Thread t = Thread.ofVirtual().name(name).start(() -> {
            parking.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        parking.await();
        return t;
    }

    @Test
    void livenessIsUpAndReadinessFollowsTheLifecycle() {
        given().when().get("/health/live").then().statusCode(200).body("status", equalTo("UP"));
        // Readiness is tested in order in one method: the lifecycle only moves forward.
        given().when().get("/health/ready").then().statusCode(503)
                .body("checks[0].detail", equalTo("start-up has not completed"));
        given().when().get("/health/started").then().statusCode(503);
        health.markStarted();
        given().when().get("/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().when().get("/health/started").then().statusCode(200);
        health.markShuttingDown();
        given().when().get("/health/ready").then().statusCode(503)
                .body("checks[0].detail", equalTo("shutting down"));
        given().when().get("/health/live").then().statusCode(200);
    }
}
