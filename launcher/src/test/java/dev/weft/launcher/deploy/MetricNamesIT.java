package dev.weft.launcher.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.launcher.LauncherProcess;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every metric name the alert/recording rules and the Grafana dashboard use appears in a real
 * /metrics scrape of the packaged launcher, after the app was exercised (a hello request, an
 * aggregate, a 404, a job) so that lazily created series exist; and every label a selector matches
 * on is a label of that metric (or one Prometheus adds to every target). Exceptions, by design:
 * {@code up} (Prometheus makes it, not the app) and the names the recording rules define.
 */
class MetricNamesIT {

    /** Labels Prometheus or Kubernetes service discovery adds to every scraped series. */
    private static final Set<String> TARGET_LABELS = Set.of("job", "instance", "namespace", "pod", "container", "endpoint", "service");
    /** Made by Prometheus itself for every target. */
    private static final Set<String> SYNTHETIC = Set.of("up");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.*),\\s*[A-Za-z_][A-Za-z0-9_]*\\s*\\)");

    @Test
    void everyMetricUsedByRulesAndDashboardIsExported() throws Exception {
        Map<String, Set<String>> used = new LinkedHashMap<>();      // metric -> where
        Map<String, Set<String>> usedLabels = new LinkedHashMap<>(); // metric -> label names
        Set<String> recorded = new LinkedHashSet<>();

        for (JsonNode rule : PrometheusRulesTest.rules()) {
            String where = rule.has("alert") ? "alert " + rule.path("alert").asText() : "record " + rule.path("record").asText();
            if (rule.has("record")) {
                recorded.add(rule.path("record").asText());
            }
            collect(rule.path("expr").asText(), where, used, usedLabels);
        }
        JsonNode dashboard = DeployFiles.JSON.readTree(DeployFiles.deploy("grafana/weft-dashboard.json").toFile());
        int exprs = 0;
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode t : panel.path("targets")) {
                collect(t.path("expr").asText(), "panel '" + panel.path("title").asText() + "'", used, usedLabels);
                exprs++;
            }
        }
        for (JsonNode v : dashboard.path("templating").path("list")) {
            String q = v.path("query").isObject() ? v.path("query").path("query").asText() : v.path("query").asText();
            Matcher m = LABEL_VALUES.matcher(q);
            if (m.matches()) {
                collect(m.group(1), "variable $" + v.path("name").asText(), used, usedLabels);
            }
        }
        assertTrue(exprs >= 20, "the dashboard should have its queries, found " + exprs);

        Map<String, Set<String>> scraped;
        try (LauncherProcess weft = LauncherProcess.start()) {
            weft.awaitReady(Duration.ofSeconds(60));
            exercise(weft);
            scraped = scrape(weft);
            weft.sigterm();
            assertEquals(0, weft.awaitExit(Duration.ofSeconds(60)), weft.output());
        }

        List<String> missing = new ArrayList<>();
        for (var e : used.entrySet()) {
            String name = e.getKey();
            if (SYNTHETIC.contains(name) || recorded.contains(name) || scraped.containsKey(name)) {
                continue;
            }
            missing.add(name + " used by " + e.getValue());
        }
        assertTrue(missing.isEmpty(), "metric names not in a real scrape of the launcher:\n  " + String.join("\n  ", missing)
                + "\nscraped names: " + new TreeSet<>(scraped.keySet()));

        List<String> badLabels = new ArrayList<>();
        for (var e : usedLabels.entrySet()) {
            Set<String> have = scraped.get(e.getKey());
            if (have == null) {
                continue; // recorded or synthetic
            }
            for (String label : e.getValue()) {
                if (!have.contains(label) && !TARGET_LABELS.contains(label)) {
                    badLabels.add(e.getKey() + "{" + label + "} (has " + have + ")");
                }
            }
        }
        assertTrue(badLabels.isEmpty(), "selectors match on labels the metric does not have:\n  " + String.join("\n  ", badLabels));
    }

    private static void collect(String expr, String where, Map<String, Set<String>> used, Map<String, Set<String>> labels) {
        for (String name : PromQl.metricNames(expr)) {
            used.computeIfAbsent(name, k -> new LinkedHashSet<>()).add(where);
        }
        PromQl.selectorLabels(expr).forEach((name, ls) -> labels.computeIfAbsent(name, k -> new LinkedHashSet<>()).addAll(ls));
    }

    /** Requests that create the lazily registered series, and a job run to its end. */
    private static void exercise(LauncherProcess weft) throws Exception {
        int api = weft.apiPort();
        assertEquals(200, weft.status("/api/v1/hello?name=metrics", api));
        assertEquals(200, weft.status("/api/v1/aggregate", api));
        assertEquals(404, weft.status("/api/v1/no-such-route", api));
        HttpResponse<String> job = LauncherProcess.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api + "/api/v1/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"checksum\",\"payload\":{\"text\":\"metrics\"}}"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, job.statusCode(), "POST /api/v1/jobs: " + job.body());
        // Let the job finish, so the completed/duration series carry a real observation.
        String location = job.headers().firstValue("Location").orElseThrow();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> state = LauncherProcess.HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + api).resolve(location)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (state.body().matches("(?s).*\"state\"\\s*:\\s*\"(SUCCEEDED|FAILED|CANCELLED|ABANDONED|succeeded|failed|cancelled|abandoned)\".*")) {
                break;
            }
            Thread.sleep(50);
        }
        // The virtual-thread meters behind a JFR stream are bound just after ready, off the
        // start-up path (Metrics.startJvmMeters): wait for them, with a deadline.
        deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!scrape(weft).containsKey("jvm_threads_virtual_pinned_seconds_count") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    /** Metric name -> label names, from the Prometheus text format on the admin port. */
    static Map<String, Set<String>> scrape(LauncherProcess weft) throws Exception {
        HttpResponse<String> r = LauncherProcess.HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + weft.adminPort() + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        Map<String, Set<String>> out = new HashMap<>();
        Pattern label = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=\"");
        for (String line : r.body().split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.indexOf(' ');
            int end = brace >= 0 && brace < space ? brace : space;
            Set<String> labels = out.computeIfAbsent(line.substring(0, end), k -> new LinkedHashSet<>());
            if (brace >= 0 && brace < space) {
                Matcher m = label.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
                while (m.find()) {
                    labels.add(m.group(1));
                }
            }
        }
        return out;
    }
}
