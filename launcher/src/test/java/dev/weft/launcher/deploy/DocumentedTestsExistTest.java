package dev.weft.launcher.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every test class that a comment, a doc or a script names ({@code KubernetesManifestsIT},
 * {@code PrometheusRulesTest}, ...) exists in the repository: a renamed or removed test cannot
 * leave docs that point at nothing. Annotations and imports ({@code @RepeatedTest}) are not names
 * of this project's tests.
 */
class DocumentedTestsExistTest {

    /** A CamelCase name ending in IT or Test, not right after '@' or '.' (annotations, imports). */
    private static final Pattern TEST_NAME = Pattern.compile("(?<![@.\\w])([A-Z][a-z][A-Za-z0-9]*(?:IT|Test))\\b");
    private static final Set<String> SKIPPED_DIRS = Set.of(".git", "target", "node_modules", ".mvn", ".idea");
    private static final Set<String> BINARY = Set.of(".jar", ".class", ".png", ".jpg", ".gz", ".zip", ".aot");

    @Test
    void everyTestNamedInTheRepositoryExists() throws IOException {
        Path root = DeployFiles.root();
        List<Path> files = textFiles(root);
        Set<String> classes = files.stream().map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".java")).map(n -> n.substring(0, n.length() - ".java".length()))
                .collect(Collectors.toSet());
        assertTrue(classes.contains("DocumentedTestsExistTest"), "the walk found the test sources under " + root);

        Map<String, Set<String>> missing = new TreeMap<>();
        int named = 0;
        for (Path f : files) {
            String text;
            try {
                text = Files.readString(f);
            } catch (MalformedInputException e) {
                continue; // not text
            }
            for (Matcher m = TEST_NAME.matcher(text); m.find(); ) {
                named++;
                if (!classes.contains(m.group(1))) {
                    missing.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(root.relativize(f).toString());
                }
            }
        }
        assertTrue(named > 20, "expected the docs to name tests, found " + named);
        assertTrue(missing.isEmpty(), "tests named but not in the repository (name: where): " + missing);
    }

    /** The repository's files, without build output, VCS data and binaries. */
    private static List<Path> textFiles(Path root) throws IOException {
        List<Path> files = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return SKIPPED_DIRS.contains(dir.getFileName().toString()) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (BINARY.stream().noneMatch(ext -> file.getFileName().toString().endsWith(ext))) {
                    files.add(file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return files;
    }
}
