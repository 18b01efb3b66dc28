package dev.weft.launcher;

import io.helidon.config.Config;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    @Test
    void applicationYamlHoldsTheCatalogueDefaultOfExactlyTheCataloguedKeys() {
        Config defaults = Settings.defaults();
        Map<String, String> inYaml = new TreeMap<>();
        defaults.traverse().filter(Config::isLeaf)
                .forEach(c -> inYaml.put(c.key().toString(), c.asString().orElse("")));
        Map<String, String> catalogued = new TreeMap<>();
        Catalogue.KEYS.forEach(s -> catalogued.put(s.key(), s.defaultValue()));
        assertEquals(catalogued, inYaml);
    }

    /**
     * The README's configuration table lists every catalogued key once, in catalogue order, with
     * its default: {@code `value`} ({@code `""`} for empty), or prose for a default too long to
     * read in a table cell.
     */
    @Test
    void readmeKeyTableMatchesTheCatalogue() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("..", "README.md"));
        int header = lines.indexOf("| key | default | meaning |");
        assertTrue(header >= 0, "README.md has no '| key | default | meaning |' table");
        List<String[]> rows = new ArrayList<>();
        for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            Matcher m = README_ROW.matcher(lines.get(i));
            assertTrue(m.matches(), "README key table row: " + lines.get(i));
            rows.add(new String[] {m.group(1), m.group(2)});
        }
        assertEquals(Catalogue.KEYS.stream().map(Setting::key).toList(), rows.stream().map(r -> r[0]).toList(),
                "README key table: keys and their order");
        for (int i = 0; i < rows.size(); i++) {
            Setting<?> s = Catalogue.KEYS.get(i);
            String cell = rows.get(i)[1];
            if (s.defaultValue().length() > PROSE_DEFAULT_OVER) {
                assertFalse(cell.startsWith("`"), s.key() + ": a long default is described, not quoted: " + cell);
            } else {
                assertEquals("`" + (s.defaultValue().isEmpty() ? "\"\"" : s.defaultValue()) + "`", cell, s.key());
            }
        }
    }

    private static final Pattern README_ROW = Pattern.compile("\\| `([^`]+)` \\| (.+?) \\| .*\\|");
    /** Longer defaults are described in words in the README (the upstream list). */
    private static final int PROSE_DEFAULT_OVER = 40;

    @Test
    void everyDefaultParses() throws Exception {
        Config defaults = Settings.defaults();
        for (Setting<?> s : Catalogue.KEYS) {
            s.read(defaults);
        }
    }

    @Test
    void defaultsRunOnALaptop() throws Exception {
        Settings s = Settings.from(Settings.buildConfig(Map.of(), null, Map.of()));
        assertEquals(8080, s.get(Catalogue.SERVER_PORT));
        assertEquals(8081, s.get(Catalogue.ADMIN_PORT));
        assertEquals(Duration.ofSeconds(30), s.get(Catalogue.SHUTDOWN_TIMEOUT));
        assertEquals(Duration.ZERO, s.get(Catalogue.DRAIN_DELAY));
        assertEquals("text", s.get(Catalogue.LOG_FORMAT));
    }

    @Test
    void environmentVariablesCarryTheServicePrefixAndUseUnderscoresForDotsAndDashes() throws Exception {
        String prefix = ServiceName.ENV_PREFIX;
        Settings s = Settings.from(Settings.buildConfig(Map.of(), null,
                Map.of(prefix + "SERVER_PORT", "9090", prefix + "SHUTDOWN_DRAIN_DELAY", "5s", prefix + "WORKER_QUEUE_CAPACITY", "7")));
        assertEquals(9090, s.get(Catalogue.SERVER_PORT));
        assertEquals(Duration.ofSeconds(5), s.get(Catalogue.DRAIN_DELAY));
        assertEquals(7, s.get(Catalogue.QUEUE_CAPACITY));
        assertEquals(ServiceName.NAME.toUpperCase(java.util.Locale.ROOT) + "_", prefix, "the prefix comes from the service name");
        assertEquals(prefix + "HTTP_AGGREGATE_MAX_TIMEOUT", Catalogue.AGGREGATE_MAX_TIMEOUT.environmentVariable());
    }

    /** What Kubernetes injects for a Service named "server" in the namespace: not Weft's server.port. */
    @Test
    void kubernetesServiceLinkVariablesAreIgnored() throws Exception {
        Settings s = Settings.from(Settings.buildConfig(Map.of(), null, Map.of(
                "SERVER_PORT", "tcp://10.96.0.12:80",
                "ADMIN_PORT", "tcp://10.96.0.13:8081",
                "SHUTDOWN_TIMEOUT", "soon")));
        assertEquals(8080, s.get(Catalogue.SERVER_PORT));
        assertEquals(8081, s.get(Catalogue.ADMIN_PORT));
        assertEquals(Duration.ofSeconds(30), s.get(Catalogue.SHUTDOWN_TIMEOUT));
    }

    @Test
    void commandLineBeatsEnvironment() throws Exception {
        Settings s = Settings.from(Settings.buildConfig(Map.of("server.port", "7070"), null, Map.of(ServiceName.environmentVariable("server.port"), "9090")));
        assertEquals(7070, s.get(Catalogue.SERVER_PORT));
    }

    @Test
    void badValuesNameTheirKey() {
        List<Map<String, String>> bad = List.of(
                Map.of("server.port", "70000"),
                Map.of("admin.port", "http"),
                Map.of("worker.workers", "0"),
                Map.of("worker.rate", "fast"),
                Map.of("worker.fetch.allowed-hosts", "localhost,http://evil"),
                Map.of("admin.health.timeout", "soon"),
                Map.of("fault.job-handlers", "maybe"),
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
        assertEquals(0.0, s.get(Catalogue.RATE_LIMIT_RPS));
    }

    @Test
    void httpSwitchesDefaultToDemoOnHttp2OnAndCompressionOff() throws Exception {
        Settings s = Settings.from(Settings.buildConfig(Map.of(), null, Map.of()));
        assertEquals(List.of(true, true, false), List.of(s.get(Catalogue.DEMO_ENABLED), s.get(Catalogue.HTTP2_ENABLED),
                s.get(Catalogue.COMPRESSION_ENABLED)));
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
        assertEquals(false, none.get(Catalogue.DEMO_ENABLED));
        Settings real = Settings.from(Settings.buildConfig(Map.of("http.demo.enabled", "false",
                "http.aggregate.upstreams", "users=http://users:8080/api"), null, Map.of()));
        assertEquals(1, real.aggregation().upstreams().size());
    }

    @Test
    void upstreamsCanBeGivenByEnvironment() throws Exception {
        Settings s = Settings.from(Settings.buildConfig(Map.of(), null,
                Map.of(ServiceName.environmentVariable("http.aggregate.upstreams"), "users=http://users:8080/api,orders=https://orders/x")));
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
