package dev.weft.launcher.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Shared helpers of the deploy validation tests: where the repository's deploy files are, YAML and
 * JSON parsing, the app's configuration defaults (the launcher's {@code application.yaml} on the
 * class path, the same resource {@code Settings.defaults()} reads), and external tools.
 */
final class DeployFiles {

    static final YAMLMapper YAML = new YAMLMapper();
    static final ObjectMapper JSON = new ObjectMapper();

    private DeployFiles() {
    }

    /** The repository root: the launcher module's parent (tests run in the module directory). */
    static Path root() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy")) && Files.isRegularFile(p.resolve("mvnw"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root (with deploy/ and mvnw) not found above " + here);
    }

    static Path deploy(String relative) {
        return root().resolve("deploy").resolve(relative);
    }

    /** Every YAML document in a file (a file may hold several, separated by ---); nulls dropped. */
    static List<JsonNode> yamlDocuments(String content) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(content)) {
            Iterator<JsonNode> it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isNull() && !n.isMissingNode()) {
                    docs.add(n);
                }
            }
        }
        return docs;
    }

    static List<JsonNode> yamlDocuments(Path file) throws IOException {
        return yamlDocuments(Files.readString(file));
    }

    /** The app's defaults: application.yaml from the launcher's class path, flattened to dotted keys. */
    static Map<String, String> appDefaults() throws IOException {
        try (InputStream in = DeployFiles.class.getClassLoader().getResourceAsStream("application.yaml")) {
            if (in == null) {
                throw new IllegalStateException("application.yaml not on the class path");
            }
            return flatten(YAML.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        }
    }

    /** A YAML/JSON tree as dotted keys to scalar text, in document order. */
    static Map<String, String> flatten(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", node, out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node == null || node.isNull()) {
            return;
        }
        if (node.isObject()) {
            node.properties().forEach(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out));
        } else {
            out.put(prefix, node.asText());
        }
    }

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    /** A duration as the launcher writes them: 500ms, 30s, 2m, 1h or ISO-8601 (PT30S). */
    static Duration duration(String text) {
        Matcher m = SHORT_DURATION.matcher(text.trim());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
        return Duration.parse(text.trim());
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** An executable on PATH, or null. */
    static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** A tool the test needs: skipped without it, except under CI (CI=true), where that fails. */
    static Path requireTool(String name, String install) {
        Path tool = onPath(name);
        if (tool == null) {
            toolMissing(name + " not found on PATH: " + install);
        }
        return tool;
    }

    /** Skips the test with {@code message}, or fails it under CI (CI=true), where every tool must be there. */
    static void toolMissing(String message) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(message);
        }
        assumeTrue(false, message);
    }

    /** Output (stdout and stderr together) and exit code of a finished command. */
    record Result(int exitCode, String output) {
    }

    /** Runs a command in {@code dir} with a deadline; fails the test when the deadline passes. */
    static Result run(Path dir, Duration timeout, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("weft-deploy-", ".out");
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                fail(String.join(" ", command) + " did not finish within " + timeout + ":\n" + Files.readString(out));
            }
            return new Result(p.exitValue(), Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static void assertExists(Path p) {
        assertTrue(Files.exists(p), "missing: " + p);
    }
}
