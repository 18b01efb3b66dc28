package dev.weft.launcher;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/FORKING.md's "Adding to your fork" cannot drift from the code: every snippet marked
 * {@code <!-- from: path -->} appears in that file (line by line, indentation aside), and the
 * worked endpoint stays within its line budget, as the guide states it.
 */
class ForkingGuideTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern FROM = Pattern.compile("<!-- from: (\\S+) -->");
    private static final List<String> EXAMPLE = List.of(
            "http-service/src/test/java/dev/weft/examples/orders/OrderSummaryRoutes.java",
            "http-service/src/test/java/dev/weft/examples/orders/OrderSummaryRoutesTest.java");
    /** The target for the summary endpoint with its test. */
    private static final int BUDGET = 60;

    private record Snippet(String file, List<String> lines) { }

    private static List<String> guide() throws IOException {
        return Files.readAllLines(ROOT.resolve("docs/FORKING.md"));
    }

    private static List<Snippet> snippets(List<String> guide) {
        List<Snippet> snippets = new ArrayList<>();
        for (int i = 0; i < guide.size(); i++) {
            Matcher m = FROM.matcher(guide.get(i).trim());
            if (!m.matches()) {
                continue;
            }
            assertTrue(guide.get(i + 1).startsWith("```"), "a code block follows " + guide.get(i));
            List<String> lines = new ArrayList<>();
            for (i += 2; !guide.get(i).startsWith("```"); i++) {
                lines.add(guide.get(i).strip());
            }
            snippets.add(new Snippet(m.group(1), lines));
        }
        return snippets;
    }

    @Test
    void theSectionHasItsFiveParts() throws IOException {
        List<String> guide = guide();
        int at = guide.indexOf("## Adding to your fork");
        assertTrue(at >= 0, "docs/FORKING.md has '## Adding to your fork'");
        for (String part : List.of("### An endpoint", "### A job type", "### A configuration key",
                "### A health check", "### A metric")) {
            assertTrue(guide.indexOf(part) > at, "'" + part + "' under '## Adding to your fork'");
        }
    }

    @Test
    void everyMarkedSnippetIsInItsFile() throws IOException {
        List<Snippet> snippets = snippets(guide());
        assertTrue(snippets.size() >= 8, "the guide's snippets are marked with their files: " + snippets.size());
        for (Snippet s : snippets) {
            List<String> file = Files.readAllLines(ROOT.resolve(s.file())).stream().map(String::strip).toList();
            assertTrue(java.util.Collections.indexOfSubList(file, s.lines()) >= 0,
                    () -> "docs/FORKING.md: snippet not found in " + s.file() + ":\n" + String.join("\n", s.lines()));
        }
    }

    @Test
    void theEndpointAndItsTestStayWithinTheirBudgetAsTheGuideSays() throws IOException {
        int code = 0;
        for (String f : EXAMPLE) {
            code += (int) Files.readAllLines(ROOT.resolve(f)).stream()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("import ") && !l.startsWith("package "))
                    .count();
        }
        assertTrue(code <= BUDGET, "the summary endpoint and its test: " + code + " lines of code, budget " + BUDGET);
        String text = String.join(" ", guide());
        assertTrue(text.contains("are " + code + " lines of code"), "docs/FORKING.md states the count: " + code);
    }
}
