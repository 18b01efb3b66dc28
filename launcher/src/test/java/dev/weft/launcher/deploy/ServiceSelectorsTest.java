package dev.weft.launcher.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The alert rules and the dashboard select this service's series only: every selector of every
 * rule expression and dashboard query carries a {@code job} matcher, and that matcher takes the
 * jobs the manifests give Weft ({@link PrometheusJobs}) and none of another service's. Without it,
 * any Spring Boot service in the same Prometheus that emits http_server_requests_seconds would fire
 * Weft's alerts and fill its panels. Needs no tool.
 */
class ServiceSelectorsTest {

    private static final Pattern JOB_MATCHER = Pattern.compile("\\bjob\\s*(=~|=)\\s*\"([^\"]*)\"");
    private static final Pattern SELECTOR = Pattern.compile("([A-Za-z_:][A-Za-z0-9_:]*)\\s*\\{([^}]*)}");

    @Test
    void everyRuleSelectsOnlyTheServicesOwnJob() throws Exception {
        Map<String, String> exprs = new LinkedHashMap<>();
        for (JsonNode rule : PrometheusRulesTest.rules()) {
            String name = rule.has("alert") ? "alert " + rule.path("alert").asText() : "record " + rule.path("record").asText();
            exprs.put(name, rule.path("expr").asText());
        }
        assertTrue(exprs.size() >= 10, "rules: " + exprs.keySet());
        checkAll(exprs, ownJobs(), foreignJobs());
    }

    @Test
    void everyDashboardQuerySelectsOnlyTheServicesOwnJob() throws Exception {
        JsonNode dashboard = DeployFiles.JSON.readTree(DeployFiles.deploy("grafana/weft-dashboard.json").toFile());
        JsonNode job = null;
        Map<String, String> exprs = new LinkedHashMap<>();
        for (JsonNode v : dashboard.path("templating").path("list")) {
            if (v.path("name").asText().equals("job")) {
                job = v;
            } else if (v.path("type").asText().equals("query")) {
                exprs.put("variable $" + v.path("name").asText(), v.path("query").path("query").asText());
            }
        }
        assertTrue(job != null, "the dashboard has a job variable");
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode t : panel.path("targets")) {
                exprs.put("panel '" + panel.path("title").asText() + "' " + t.path("refId").asText(), t.path("expr").asText());
            }
        }
        // Every query selects by the variable; the variable itself lists and defaults to Weft's jobs only.
        for (var e : exprs.entrySet()) {
            for (Matcher s = SELECTOR.matcher(e.getValue()); s.find(); ) {
                assertTrue(s.group(2).contains("job=~\"$job\""), e.getKey() + ": selector " + s.group() + " lacks job=~\"$job\"");
            }
        }
        Set<String> own = ownJobs();
        List<String> foreign = foreignJobs();
        Matcher labelValues = Pattern.compile("label_values\\((.*),\\s*job\\s*\\)").matcher(job.path("query").path("query").asText());
        assertTrue(labelValues.matches(), "the job variable lists label_values(<selector>, job): " + job.path("query"));
        checkAll(Map.of("variable $job", labelValues.group(1)), own, foreign);
        checkMatcher("variable $job allValue", "=~", job.path("allValue").asText(), own, foreign);
    }

    private static Set<String> ownJobs() throws Exception {
        Map<String, String> values = PrometheusRulesTest.placeholders();
        return Set.of(values.get("job"), values.get("dev_job"), values.get("laptop_job"));
    }

    /**
     * Jobs of other services in the same Prometheus, in Weft's namespaces too, and one that starts
     * with Weft's job; named so that none is Weft's own in any fork ({@link PrometheusJobs#foreignServices}).
     */
    private static List<String> foreignJobs() throws Exception {
        Map<String, String> values = PrometheusRulesTest.placeholders();
        return List.of(values.get("other_service"), values.get("namespace") + "/" + values.get("other_service"),
                values.get("dev_namespace") + "/" + values.get("sibling_service"), values.get("infra_service"),
                values.get("laptop_job") + "ish");
    }

    /** Each selector of each expression has a job matcher that takes every own job and no foreign one. */
    private static void checkAll(Map<String, String> exprs, Set<String> own, List<String> foreign) {
        List<String> missing = new ArrayList<>();
        for (var e : exprs.entrySet()) {
            String expr = e.getValue();
            for (String metric : PromQl.metricNames(expr)) {
                if (!Pattern.compile("(?<![A-Za-z0-9_:])" + Pattern.quote(metric) + "\\s*\\{").matcher(expr).find()) {
                    missing.add(e.getKey() + ": " + metric + " without a selector");
                }
            }
            for (Matcher s = SELECTOR.matcher(expr); s.find(); ) {
                Matcher job = JOB_MATCHER.matcher(s.group(2));
                if (!job.find()) {
                    missing.add(e.getKey() + ": " + s.group() + " has no job matcher");
                    continue;
                }
                checkMatcher(e.getKey(), job.group(1), job.group(2), own, foreign);
            }
        }
        assertTrue(missing.isEmpty(), String.join("\n", missing));
    }

    private static void checkMatcher(String where, String op, String value, Set<String> own, List<String> foreign) {
        // Prometheus anchors its regular expressions at both ends, as String.matches does.
        java.util.function.Predicate<String> takes = op.equals("=~") ? j -> j.matches(value) : value::equals;
        for (String j : own) {
            assertTrue(takes.test(j), where + ": job" + op + "\"" + value + "\" misses Weft's job " + j);
        }
        for (String j : foreign) {
            assertFalse(takes.test(j), where + ": job" + op + "\"" + value + "\" takes another service's job " + j);
        }
    }
}
