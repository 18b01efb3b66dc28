package dev.weft.launcher;

import io.helidon.config.Config;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SettingsTest {

    @Test
    void applicationYamlHoldsADefaultForExactlyTheCataloguedKeys() {
        Config defaults = Settings.defaults();
        Set<String> inYaml = defaults.traverse()
                .filter(Config::isLeaf)
                .map(c -> c.key().toString())
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> catalogued = Settings.KEYS.stream().map(Setting::key).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(catalogued, inYaml);
    }

    @Test
    void defaultsRunOnALaptop() throws Exception {
        Settings s = Settings.from(Settings.buildConfig(Map.of(), null, Map.of()));
        assertEquals(8080, s.serverPort());
        assertEquals(8081, s.adminPort());
        assertEquals(Duration.ofSeconds(30), s.shutdownTimeout());
        assertEquals(Duration.ZERO, s.drainDelay());
        assertEquals("text", s.logFormat());
    }

    @Test
    void environmentVariablesUseUnderscoresForDotsAndDashes() throws Exception {
        Settings s = Settings.from(Settings.buildConfig(Map.of(), null,
                Map.of("SERVER_PORT", "9090", "SHUTDOWN_DRAIN_DELAY", "5s", "WORKER_QUEUE_CAPACITY", "7")));
        assertEquals(9090, s.serverPort());
        assertEquals(Duration.ofSeconds(5), s.drainDelay());
        assertEquals(7, s.queueCapacity());
    }

    @Test
    void commandLineBeatsEnvironment() throws Exception {
        Settings s = Settings.from(Settings.buildConfig(Map.of("server.port", "7070"), null, Map.of("SERVER_PORT", "9090")));
        assertEquals(7070, s.serverPort());
    }

    @Test
    void badValuesNameTheirKey() {
        List<Map<String, String>> bad = List.of(
                Map.of("server.port", "70000"),
                Map.of("admin.port", "http"),
                Map.of("worker.workers", "0"),
                Map.of("shutdown.timeout", "0s"),
                Map.of("shutdown.drain-delay", "40s"),
                Map.of("log.format", "xml"),
                Map.of("log.level", "LOUD"),
                Map.of("fault.fail-start", "database"),
                Map.of("http.max-payload-size", "big"),
                Map.of("http.max-concurrent-requests", "0"),
                Map.of("http.rate-limit.rps", "-1"),
                Map.of("http.aggregate.timeout", "0s"),
                Map.of("http.aggregate.max-timeout", "1s"),
                Map.of("http.aggregate.concurrency", "0"),
                Map.of("http.aggregate.upstreams", "alpha=ftp://example.com/x"),
                Map.of("http.aggregate.upstreams", "alpha=http://a/,alpha=http://b/"),
                Map.of("http.aggregate.upstreams", "no-url-here"),
                Map.of("http.demo.enabled", "maybe"),
                Map.of("http.http2.enabled", "yes"),
                Map.of("http.compression.enabled", "1"));
        for (Map<String, String> override : bad) {
            String key = override.keySet().iterator().next();
            ConfigException e = assertThrows(ConfigException.class,
                    () -> Settings.from(Settings.buildConfig(override, null, Map.of())), key);
            assertEquals(true, e.getMessage().startsWith("invalid configuration: " + key + ": "), e.getMessage());
            assertEquals(false, e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void defaultUpstreamsAreTheThreeDemoRoutesOnThisServer() throws Exception {
        Settings s = Settings.from(Settings.buildConfig(Map.of(), null, Map.of()));
        assertEquals(List.of("alpha", "beta", "gamma"), s.aggregation().upstreams().stream().map(dev.weft.http.Upstream::name).toList());
        assertEquals(true, s.aggregation().upstreams().get(0).url().startsWith("http://{self}/api/v1/demo/upstream/alpha"));
        assertEquals(Duration.ofSeconds(2), s.aggregation().timeout());
        assertEquals(0.0, s.rateLimitRps());
    }

    @Test
    void httpSwitchesDefaultToDemoOnHttp2OnAndCompressionOff() throws Exception {
        HttpSettings http = Settings.from(Settings.buildConfig(Map.of(), null, Map.of())).http();
        assertEquals(new HttpSettings(true, true, false), http);
    }

    @Test
    void demoRoutesOffRefuseUpstreamsThatCallThemNamingTheUpstreamsKey() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Settings.from(Settings.buildConfig(Map.of("http.demo.enabled", "false"), null, Map.of())));
        assertEquals(true, e.getMessage().startsWith("invalid configuration: http.aggregate.upstreams: upstream alpha calls the demo route"),
                e.getMessage());
        // With real upstreams, or none, the demo routes can be off.
        Settings none = Settings.from(Settings.buildConfig(Map.of("http.demo.enabled", "false", "http.aggregate.upstreams", ""), null, Map.of()));
        assertEquals(List.of(), none.aggregation().upstreams());
        assertEquals(false, none.http().demoRoutes());
        Settings real = Settings.from(Settings.buildConfig(Map.of("http.demo.enabled", "false",
                "http.aggregate.upstreams", "users=http://users:8080/api"), null, Map.of()));
        assertEquals(1, real.aggregation().upstreams().size());
    }

    @Test
    void upstreamsCanBeGivenByEnvironment() throws Exception {
        Settings s = Settings.from(Settings.buildConfig(Map.of(), null,
                Map.of("HTTP_AGGREGATE_UPSTREAMS", "users=http://users:8080/api,orders=https://orders/x")));
        assertEquals(List.of("users", "orders"), s.aggregation().upstreams().stream().map(dev.weft.http.Upstream::name).toList());
    }

    @Test
    void durationsAcceptShortAndIsoForms() {
        assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("30s"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofSeconds(45), Durations.parse("PT45S"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("soon"));
    }
}
