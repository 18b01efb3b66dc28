package dev.weft.launcher.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/prometheus/rules: {@code promtool check rules} accepts every rule file and
 * {@code promtool test rules} passes every unit-test file, and each alert has a unit test. The
 * test files name Weft's own jobs by placeholder only ({@code ${job}}, ...); they are filled in
 * here from the manifests ({@link PrometheusJobs}) before promtool runs, so the rules are tested
 * against the job labels the deployment really produces. Needs promtool (Debian package
 * {@code prometheus}): skipped without it, failed under CI=true.
 */
class PrometheusRulesTest {

    static final Path RULES = DeployFiles.deploy("prometheus/rules");

    static List<Path> ruleFiles() throws Exception {
        try (Stream<Path> s = Files.list(RULES)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".rules.yml")).sorted().toList();
        }
    }

    static List<Path> testFiles() throws Exception {
        try (Stream<Path> s = Files.list(RULES)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".rules.test.yml")).sorted().toList();
        }
    }

    /** Every rule (record and alert) of every rule file. */
    static List<JsonNode> rules() throws Exception {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (Path f : ruleFiles()) {
            for (JsonNode g : DeployFiles.YAML.readTree(f.toFile()).path("groups")) {
                g.path("rules").forEach(out::add);
            }
        }
        return out;
    }

    @Test
    void promtoolCheckRules() throws Exception {
        Path promtool = promtool();
        List<Path> files = ruleFiles();
        assertFalse(files.isEmpty(), "no *.rules.yml in " + RULES);
        for (Path f : files) {
            DeployFiles.Result r = DeployFiles.run(RULES, Duration.ofSeconds(60), promtool.toString(), "check", "rules", f.getFileName().toString());
            System.out.println(r.output());
            assertEquals(0, r.exitCode(), "promtool check rules " + f + ":\n" + r.output());
        }
    }

    @Test
    void promtoolTestRules() throws Exception {
        Path promtool = promtool();
        List<Path> files = testFiles();
        assertFalse(files.isEmpty(), "no *.rules.test.yml in " + RULES);
        // The filled-in copies go beside copies of the rule files, which they name relatively.
        Path dir = Files.createDirectories(Path.of("target", "prometheus-rules")).toAbsolutePath();
        for (Path f : ruleFiles()) {
            Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        Map<String, String> values = placeholders();
        for (Path f : files) {
            Files.writeString(dir.resolve(f.getFileName()), fillIn(Files.readString(f), values));
            DeployFiles.Result r = DeployFiles.run(dir, Duration.ofSeconds(120), promtool.toString(), "test", "rules", f.getFileName().toString());
            System.out.println(r.output());
            assertEquals(0, r.exitCode(), "promtool test rules " + f + " (filled in with " + values + "):\n" + r.output());
        }
    }

    /**
     * No test file writes a job or application label out, Weft's own or a foreign service's: a
     * renamed PodMonitor would leave Weft's stale, and a fork whose name is a foreign fixture's
     * would turn that fixture into its own series.
     */
    @Test
    void testFilesNameJobsOnlyByPlaceholder() throws Exception {
        Map<String, String> values = placeholders();
        Set<String> ownJobs = Set.of(values.get("job"), values.get("dev_job"), values.get("laptop_job"));
        // job="..." in a series, job: ... in expected labels; a value ends at its quote or the line's end.
        Matcher job = Pattern.compile("\\bjob(?:=\"|:\\s*)([^\"\\s,]+)").matcher("");
        // application: needs a space after the colon, so a recorded series' name (application:...) is not one.
        Matcher application = Pattern.compile("\\bapplication(?:=\"|:\\s+)([^\"\\s,]+)").matcher("");
        for (Path f : testFiles()) {
            String text = Files.readString(f).replaceAll("(?m)^\\s*#.*$", ""); // the comments' prose is no label
            for (application.reset(text); application.find(); ) {
                assertTrue(application.group(1).matches("\\$\\{[a-z_]+}"),
                        f.getFileName() + ": application " + application.group(1) + " is written out; use a placeholder");
            }
            job.reset(text);
            int own = 0;
            while (job.find()) {
                String value = job.group(1);
                assertTrue(value.matches("(\\$\\{[a-z_]+}/?)+"), f.getFileName() + ": job " + value + " is written out; use placeholders");
                own += value.matches("\\$\\{[a-z_]+}") && ownJobs.contains(values.getOrDefault(value.substring(2, value.length() - 1), "")) ? 1 : 0;
            }
            assertTrue(own > 0, f.getFileName() + " tests no series of Weft's own jobs");
        }
    }

    /**
     * The values of the test files' placeholders: the prod and dev overlays' jobs and namespaces,
     * the laptop job, the metrics application tag's default, and the foreign services' names
     * ({@link PrometheusJobs#foreignServices}).
     */
    static Map<String, String> placeholders() throws Exception {
        Map<String, String> namespaces = PrometheusJobs.namespaces();
        Map<String, String> values = new LinkedHashMap<>();
        values.put("namespace", namespaces.get("prod"));
        values.put("job", PrometheusJobs.kubernetesJob(namespaces.get("prod")));
        values.put("dev_namespace", namespaces.get("dev"));
        values.put("dev_job", PrometheusJobs.kubernetesJob(namespaces.get("dev")));
        values.put("laptop_job", PrometheusJobs.laptopJob());
        values.put("application", DeployFiles.appDefaults().get("metrics.application"));
        values.putAll(PrometheusJobs.foreignServices(
                Set.copyOf(List.of(values.get("application"), PrometheusJobs.podMonitorName(), values.get("laptop_job")))));
        values.forEach((k, v) -> assertTrue(v != null && !v.isEmpty(), "placeholder " + k + " has no value"));
        return values;
    }

    private static String fillIn(String text, Map<String, String> values) {
        Matcher m = Pattern.compile("\\$\\{([a-z_]+)}").matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = values.get(m.group(1));
            assertTrue(value != null, "unknown placeholder " + m.group());
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        return m.appendTail(out).toString();
    }

    /** Each alert is named by an alert_rule_test with a firing expectation. Needs no promtool. */
    @Test
    void everyAlertHasAUnitTest() throws Exception {
        Set<String> alerts = new LinkedHashSet<>();
        for (JsonNode rule : rules()) {
            if (rule.has("alert")) {
                alerts.add(rule.path("alert").asText());
            }
        }
        Set<String> tested = new LinkedHashSet<>();
        for (Path f : testFiles()) {
            for (JsonNode t : DeployFiles.YAML.readTree(f.toFile()).path("tests")) {
                for (JsonNode a : t.path("alert_rule_test")) {
                    if (!a.path("exp_alerts").isEmpty()) {
                        tested.add(a.path("alertname").asText());
                    }
                }
            }
        }
        assertTrue(alerts.size() >= 5, "alerts: " + alerts);
        Set<String> untested = new LinkedHashSet<>(alerts);
        untested.removeAll(tested);
        assertTrue(untested.isEmpty(), "alerts without a firing unit test: " + untested);
    }

    private static Path promtool() {
        return DeployFiles.requireTool("promtool", "install the Debian package 'prometheus' "
                + "(apt-get install prometheus; .ci/run does this) or Prometheus from prometheus.io");
    }
}
