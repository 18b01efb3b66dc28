package dev.weft.metrics;

import dev.weft.patterns.testing.NoLeakedThreads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NoLeakedThreads.class)
class BuildInfoTest {

    @Test
    void versionAndRevisionComeFromTheBuild() throws Exception {
        BuildInfo info = BuildInfo.load();
        String expectedVersion = System.getProperty("weft.expected.version");
        assertNotNull(expectedVersion, "surefire passes the project version as weft.expected.version");
        assertEquals(expectedVersion, info.version());
        assertEquals(System.getProperty("java.version"), info.javaVersion());

        String head = gitHead();
        if (head != null && inLinkedWorktree()) {
            // git-commit-id reads a linked worktree's main checkout and reports that HEAD (a
            // limitation of the plugin, with JGit and native git alike), so only the form is
            // checked there; a plain clone, as in CI, gets the exact comparison below.
            assertTrue(info.revision().matches("[0-9a-f]{7}"), info.revision());
        } else if (head == null) {
            // No git binary or no repository: the build knew the commit only if it found a
            // repository (it reads it without the binary), else it wrote "unknown".
            assertTrue(info.revision().equals("unknown") || info.revision().matches("[0-9a-f]{7}"), info.revision());
        } else {
            assertEquals(7, info.revision().length(), info.revision());
            assertTrue(head.startsWith(info.revision()), "revision " + info.revision() + " is not HEAD " + head);
        }
    }

    @Test
    void buildInfoIsRenderedAsAnInfoMetricWithValueOne() throws Exception {
        try (Metrics metrics = Metrics.create("weft-test", "test-instance")) {
            BuildInfo info = metrics.buildInfo();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            metrics.registry().scrape(out, "text/plain; version=0.0.4; charset=utf-8");
            String line = out.toString(StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("weft_build_info{"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no weft_build_info series in:\n" + out));
            assertTrue(line.contains("version=\"" + info.version() + "\""), line);
            assertTrue(line.contains("revision=\"" + info.revision() + "\""), line);
            assertTrue(line.contains("java_version=\"" + info.javaVersion() + "\""), line);
            assertTrue(line.endsWith(" 1.0") || line.endsWith(" 1"), line);
        }
    }

    /** Whether the tests run in a linked worktree ({@code git worktree add}): its .git is a file. */
    private static boolean inLinkedWorktree() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path git = dir.resolve(".git");
            if (Files.exists(git)) {
                return Files.isRegularFile(git);
            }
            dir = dir.getParent();
        }
        return false;
    }

    /**
     * The full HEAD commit of the checkout the tests run in, or null without git or a repository
     * (then the build could not have known it either).
     */
    private static String gitHead() throws InterruptedException {
        try {
            Path out = Files.createTempFile("git-head-", ".out");
            try {
                Process p = new ProcessBuilder("git", "rev-parse", "HEAD")
                        .redirectError(ProcessBuilder.Redirect.DISCARD)
                        .redirectOutput(out.toFile())
                        .start();
                p.getOutputStream().close();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return null;
                }
                String head = Files.readString(out).trim();
                return p.exitValue() == 0 && !head.isEmpty() ? head : null;
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
