package dev.weft.metrics;

import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** The operator endpoints of the admin server: /info, /config, /loggers, /drain and /undrain, and their errors. */
@ExtendWith(NoLeakedThreads.class)
class OperatorEndpointsTest {

    private static Metrics metrics;
    private static Health writableHealth;
    private static AdminServer writable;
    private static AdminServer readOnly;

    @BeforeAll
    static void start() {
        metrics = Metrics.create("weft-test", "test-instance");
        List<ConfigEntry> config = List.of(
                new ConfigEntry("server.port", "0", ConfigEntry.Origin.FLAG, "--server.port"),
                new ConfigEntry("worker.postgres.password", "******", ConfigEntry.Origin.ENVIRONMENT, "WEFT_WORKER_POSTGRES_PASSWORD"),
                new ConfigEntry("log.level", "INFO", ConfigEntry.Origin.DEFAULT, "application.yaml"));
        writableHealth = new Health(Duration.ofSeconds(1));
        writableHealth.markStarted();
        writable = new AdminServer("127.0.0.1", 0, metrics, writableHealth,
                new Operations(new FakeLevels(), config, true));
        writable.start();
        Health readOnlyHealth = new Health(Duration.ofSeconds(1));
        readOnlyHealth.markStarted();
        readOnly = new AdminServer("127.0.0.1", 0, metrics, readOnlyHealth,
                new Operations(new FakeLevels(), config, false));
        readOnly.start();
    }

    @AfterAll
    static void stop() {
        writable.stop(Context.background());
        readOnly.stop(Context.background());
        metrics.close();
    }

    private static RequestSpecification on(AdminServer server) {
        return given().port(server.port());
    }

    @Test
    void infoNamesTheBuildGitJavaAndUptime() {
        on(readOnly).when().get("/info")
                .then().statusCode(200)
                .header("Content-Type", "application/json")
                .header("Cache-Control", "no-store")
                .body("build.version", not(emptyString()))
                .body("git.commit", not(emptyString()))
                .body("java.version", equalTo(System.getProperty("java.version")))
                .body("java.vendor", equalTo(System.getProperty("java.vendor")))
                .body("java.runtime.name", not(emptyString()))
                .body("uptime.seconds", greaterThanOrEqualTo(0))
                .body("uptime.startedAt", containsString("T"));
    }

    @Test
    void configListsEachKeyWithItsValueAndOrigin() {
        on(readOnly).when().get("/config")
                .then().statusCode(200)
                .body("keys.key", equalTo(List.of("server.port", "worker.postgres.password", "log.level")))
                .body("keys[0].origin", equalTo("flag"))
                .body("keys[0].source", equalTo("--server.port"))
                .body("keys[1].value", equalTo("******"))
                .body("keys[1].origin", equalTo("environment"))
                .body("keys[2].origin", equalTo("default"));
    }

    @Test
    void loggersListsLevelsAndEachLogger() {
        on(readOnly).when().get("/loggers")
                .then().statusCode(200)
                .body("levels", hasItems("OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"))
                .body("loggers.name", equalTo(List.of("ROOT", "dev.weft")))
                .body("loggers[1].configuredLevel", nullValue())
                .body("loggers[1].effectiveLevel", equalTo("INFO"));
        on(readOnly).when().get("/loggers/ROOT").then().statusCode(200).body("configuredLevel", equalTo("INFO"));
    }

    @Test
    void aLoggerLevelIsChangedThenResetWithNull() {
        on(writable).contentType("application/json").body("{\"level\":\"debug\"}")
                .when().post("/loggers/dev.weft")
                .then().statusCode(200)
                .body("configuredLevel", equalTo("DEBUG"))
                .body("effectiveLevel", equalTo("DEBUG"));
        on(writable).when().get("/loggers/dev.weft").then().body("effectiveLevel", equalTo("DEBUG"));
        on(writable).contentType("application/json").body("{\"level\":null}")
                .when().post("/loggers/dev.weft")
                .then().statusCode(200)
                .body("configuredLevel", nullValue())
                .body("effectiveLevel", equalTo("INFO"));
    }

    @Test
    void unknownLoggerIs404() {
        problem(on(readOnly).when().get("/loggers/no.such.logger").then(), 404, "unknown-logger");
        problem(on(writable).contentType("application/json").body("{\"level\":\"DEBUG\"}")
                .when().post("/loggers/no.such.logger").then(), 404, "unknown-logger");
    }

    @Test
    void invalidLevelOrBodyIs400AndWrongMediaTypeIs415() {
        for (String body : List.of("{\"level\":\"LOUD\"}", "{\"level\":3}")) {
            problem(on(writable).contentType("application/json").body(body).when().post("/loggers/dev.weft").then(),
                    400, "invalid-level");
        }
        for (String body : List.of("{\"level\":", "[\"DEBUG\"]", "{\"level\":\"DEBUG\"} trailing", "")) {
            problem(on(writable).contentType("application/json").body(body).when().post("/loggers/dev.weft").then(),
                    400, "invalid-body");
        }
        problem(on(writable).contentType("text/plain").body("DEBUG").when().post("/loggers/dev.weft").then(),
                415, "unsupported-media-type");
        on(writable).when().get("/loggers/dev.weft").then().body("configuredLevel", nullValue());
    }

    @Test
    void anOversizedBodyIs413() {
        on(writable).contentType("application/json").body("{\"level\":\"" + "x".repeat((int) AdminServer.MAX_BODY) + "\"}")
                .when().post("/loggers/dev.weft")
                .then().statusCode(413);
        on(writable).when().get("/loggers/dev.weft").then().body("configuredLevel", nullValue());
    }

    @Test
    void wrongMethodIs405WithAllow() {
        problem(on(writable).when().delete("/loggers/dev.weft").then(), 405, "method-not-allowed")
                .header("Allow", "GET, HEAD, POST");
        problem(on(writable).when().get("/drain").then(), 405, "method-not-allowed").header("Allow", "POST");
        problem(on(writable).when().post("/info").then(), 405, "method-not-allowed").header("Allow", "GET, HEAD");
        problem(on(writable).when().put("/config").then(), 405, "method-not-allowed").header("Allow", "GET, HEAD");
        problem(on(writable).when().post("/loggers").then(), 405, "method-not-allowed").header("Allow", "GET, HEAD");
        for (String path : List.of("/metrics", "/health/live", "/health/ready", "/health/started", "/debug/threads")) {
            problem(on(writable).when().post(path).then(), 405, "method-not-allowed").header("Allow", "GET, HEAD");
        }
    }

    @Test
    void newGetRoutesAnswerHead() {
        for (String path : List.of("/info", "/config", "/loggers", "/loggers/ROOT")) {
            on(readOnly).when().head(path).then().statusCode(200).body(emptyString());
        }
    }

    @Test
    void writesAreForbiddenUntilTheKeyTurnsThemOn() {
        for (String path : List.of("/drain", "/undrain")) {
            problem(on(readOnly).when().post(path).then(), 403, "write-endpoints-disabled")
                    .body("detail", containsString("admin.write-endpoints.enabled"));
        }
        problem(on(readOnly).contentType("application/json").body("{\"level\":\"DEBUG\"}")
                .when().post("/loggers/dev.weft").then(), 403, "write-endpoints-disabled");
        on(readOnly).when().get("/loggers/dev.weft").then().body("configuredLevel", nullValue());
        on(readOnly).when().get("/health/ready").then().statusCode(200);
    }

    @Test
    void drainTurnsReadinessOffAndUndrainBackOnWhileLivenessStaysUp() {
        on(writable).when().post("/drain").then().statusCode(200).body("drained", equalTo(true));
        on(writable).when().get("/health/ready").then().statusCode(503)
                .body("checks.detail", hasItems("drained by operator"));
        on(writable).when().get("/health/live").then().statusCode(200);
        on(writable).when().post("/undrain").then().statusCode(200).body("drained", equalTo(false));
        on(writable).when().get("/health/ready").then().statusCode(200);
    }

    @Test
    void undrainDuringShutdownLeavesReadinessOff() throws Exception {
        Health health = new Health(Duration.ofSeconds(1));
        health.markStarted();
        health.drain();
        health.markShuttingDown();
        health.undrain();
        Health.Report ready = health.evaluate(Probe.READY);
        assertFalse(ready.isUp());
        assertEquals("shutting down", ready.checks().getFirst().detail());
        assertEquals(Health.Status.UP, health.evaluate(Probe.LIVE).status());
    }

    private static io.restassured.response.ValidatableResponse problem(io.restassured.response.ValidatableResponse r,
                                                                       int status, String type) {
        return r.statusCode(status)
                .header("Content-Type", "application/problem+json")
                .body("type", equalTo("urn:weft:problem:" + type))
                .body("status", equalTo(status))
                .body("detail", not(emptyString()));
    }

    /** ROOT at INFO and one logger, dev.weft, that inherits it until set. */
    private static final class FakeLevels implements LogLevels {
        private final Map<String, String> configured = new TreeMap<>(Map.of(ROOT, "INFO"));
        private final List<String> names = List.of(ROOT, "dev.weft");

        @Override
        public synchronized List<Logger> loggers() {
            return names.stream().map(this::describe).toList();
        }

        @Override
        public synchronized Optional<Logger> logger(String name) {
            return names.contains(name) ? Optional.of(describe(name)) : Optional.empty();
        }

        @Override
        public synchronized Optional<Logger> setLevel(String name, String level) {
            if (!names.contains(name)) {
                return Optional.empty();
            }
            if (level == null) {
                configured.remove(name);
            } else {
                configured.put(name, level);
            }
            return logger(name);
        }

        private Logger describe(String name) {
            String own = configured.get(name);
            return new Logger(name, own, own != null ? own : configured.getOrDefault(ROOT, "INFO"));
        }
    }
}
