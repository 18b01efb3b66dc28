package dev.weft.launcher.deploy;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough PromQL reading to list the metric names an expression selects and the label names
 * its selectors match on: strings, ranges, grouping clauses and function names are set aside, and
 * what remains of the identifiers are metric names. Grafana's $variables are treated as opaque.
 */
final class PromQl {

    private static final Set<String> KEYWORDS = Set.of(
            "by", "without", "on", "ignoring", "group_left", "group_right",
            "and", "or", "unless", "bool", "offset", "inf", "nan", "atan2");
    private static final Pattern SELECTOR = Pattern.compile("([A-Za-z_:][A-Za-z0-9_:]*)?\\s*\\{([^}]*)}");
    private static final Pattern MATCHER = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"");
    private static final Pattern GROUPING = Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENT = Pattern.compile("(?<![A-Za-z0-9_:.$])([A-Za-z_:][A-Za-z0-9_:]*)(\\s*\\()?");

    private PromQl() {
    }

    /** Metric names the expression selects. */
    static Set<String> metricNames(String expr) {
        String s = expr.replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"") // string literals
                .replaceAll("\\{[^}]*}", " ")                            // label matchers
                .replaceAll("\\[[^]]*]", " ");                           // ranges, subqueries
        s = GROUPING.matcher(s).replaceAll(" ");
        s = s.replaceAll("\\$\\{?[A-Za-z_][A-Za-z0-9_]*}?", " ");        // Grafana variables
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENT.matcher(s);
        while (m.find()) {
            String id = m.group(1);
            if (m.group(2) != null || KEYWORDS.contains(id.toLowerCase(java.util.Locale.ROOT))) {
                continue; // a function call or an operator keyword
            }
            names.add(id);
        }
        return names;
    }

    /** For each selector with a metric name: the label names it matches on. */
    static Map<String, Set<String>> selectorLabels(String expr) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        String s = expr.replaceAll("\\$\\{?[A-Za-z_][A-Za-z0-9_]*}?", "x");
        Matcher m = SELECTOR.matcher(s);
        while (m.find()) {
            if (m.group(1) == null || m.group(1).isBlank()) {
                continue;
            }
            Matcher l = MATCHER.matcher(m.group(2));
            Set<String> labels = out.computeIfAbsent(m.group(1), k -> new LinkedHashSet<>());
            while (l.find()) {
                labels.add(l.group(1));
            }
        }
        return out;
    }
}
