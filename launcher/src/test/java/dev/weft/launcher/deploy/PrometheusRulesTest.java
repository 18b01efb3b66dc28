package dev.weft.launcher.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deploy/prometheus/rules: {@code promtool check rules} accepts every rule file and
 * {@code promtool test rules} passes every unit-test file, and each alert has a unit test.
 * Needs promtool (Debian package {@code prometheus}): skipped without it, failed under CI=true.
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
        for (Path f : files) {
            DeployFiles.Result r = DeployFiles.run(RULES, Duration.ofSeconds(120), promtool.toString(), "test", "rules", f.getFileName().toString());
            System.out.println(r.output());
            assertEquals(0, r.exitCode(), "promtool test rules " + f + ":\n" + r.output());
        }
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
