package dev.weft.launcher.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.launcher.LauncherProcess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The container image's command works, without a container engine: this builds the image's
 * runtime layout under target/container-image/rootfs the way deploy/container/Dockerfile does
 * (a jlink'd runtime from deploy/container/jre-modules with the Dockerfile's JLINK_OPTIONS, the
 * launcher jar and lib/ copied where its COPY lines put them), then starts the Dockerfile's
 * ENTRYPOINT exactly as written (absolute paths re-rooted) with the app stage's ENV, and checks
 * that it gets ready, logs JSON, and exits 0 on SIGTERM. It also checks that jdeps finds no
 * module the list lacks.
 */
class ContainerImageIT {

    private static final Path DOCKERFILE = DeployFiles.deploy("container/Dockerfile");
    private static final Path MODULES = DeployFiles.deploy("container/jre-modules");

    @Test
    void imageCommandStartsGetsReadyAndStopsOnSigterm() throws Exception {
        Dockerfile df = Dockerfile.parse(Files.readString(DOCKERFILE));
        Dockerfile.Stage app = df.stage("app");
        List<String> entrypoint = app.entrypoint();
        assertNotNull(entrypoint, "the app stage needs an exec-form ENTRYPOINT (a JSON array)");
        assertTrue(entrypoint.stream().anyMatch(a -> a.startsWith("-XX:MaxRAMPercentage=")), "container-aware heap sizing: " + entrypoint);
        assertTrue(app.user().matches("[1-9]\\d*(:\\d+)?"), "numeric non-root USER, got " + app.user());
        assertEquals("json", app.env().get(dev.weft.launcher.ServiceName.environmentVariable("log.format")), "JSON logs by default in the container");
        assertEquals("runtime", df.stages.getLast().name, "the default (last) stage is 'runtime'");

        Path jdk = Path.of(System.getProperty("java.home"));
        Path jlink = jdk.resolve("bin/jlink");
        if (!Files.isExecutable(jlink)) {
            DeployFiles.requireTool("jlink-in-java.home", "run the tests on a full JDK 25 (with jlink), not a JRE: " + jdk);
        }
        Path target = Path.of("target/container-image").toAbsolutePath();
        deleteTree(target);
        Path rootfs = target.resolve("rootfs");

        // jre stage: jlink with the Dockerfile's options and the module list.
        List<String> modules = modules();
        Path jreOut = rootfs.resolve("opt/jre");
        Files.createDirectories(jreOut.getParent());
        List<String> cmd = new ArrayList<>(List.of(jlink.toString()));
        cmd.addAll(Arrays.asList(df.stage("jre").args().get("JLINK_OPTIONS").trim().split("\\s+")));
        cmd.addAll(List.of("--add-modules", String.join(",", modules), "--output", jreOut.toString()));
        DeployFiles.Result linked = DeployFiles.run(target, Duration.ofMinutes(5), cmd.toArray(String[]::new));
        assertEquals(0, linked.exitCode(), "jlink failed:\n" + linked.output());

        // app stage: COPY --from=jre and --from=build, re-rooted. The build stage's WORKDIR is the
        // repository (COPY . .), so /src/launcher/target/... is our launcher/target/....
        String buildDir = df.stage("build").workdir();
        Path repo = DeployFiles.root();
        for (String[] copy : app.copies()) {
            String from = copy[0], src = copy[1], dest = copy[2];
            Path source;
            if (from.equals("jre")) {
                assertEquals("/opt/jre", src.replaceAll("/$", ""), "the runtime is copied from the jre stage's /opt/jre");
                continue; // already linked in place
            } else if (from.equals("build")) {
                assertTrue(src.startsWith(buildDir + "/"), "COPY --from=build reads below " + buildDir + ": " + src);
                source = repo.resolve(src.substring(buildDir.length() + 1));
            } else {
                throw new AssertionError("unexpected COPY source stage " + from);
            }
            assertTrue(Files.exists(source), source + " missing: package the launcher first");
            copyTree(source, rootfs.resolve(dest.substring(1)));
        }

        // The ENTRYPOINT as written, with absolute paths re-rooted; Kubernetes-style args after it.
        List<String> command = new ArrayList<>();
        for (String a : entrypoint) {
            command.add(a.startsWith("/") ? rootfs.resolve(a.substring(1)).toString() : a);
        }
        command.addAll(List.of("--server.port=0", "--admin.port=0", "--server.host=127.0.0.1", "--admin.host=127.0.0.1"));
        Map<String, String> env = new LinkedHashMap<>();
        app.env().forEach((k, v) -> {
            if (!k.equals("PATH")) { // PATH=/opt/jre/bin:$PATH: the entrypoint names java absolutely
                env.put(k, v.startsWith("/") ? rootfs.resolve(v.substring(1)).toString() : v);
            }
        });

        try (LauncherProcess weft = LauncherProcess.startCommand(command, env)) {
            weft.awaitReady(Duration.ofSeconds(90));
            assertEquals(200, weft.status("/health/ready", weft.adminPort()));
            assertEquals(200, weft.status("/api/v1/hello?name=image", weft.apiPort()));
            // jdk.management is in the runtime: the process CPU meters are there.
            assertTrue(MetricNamesIT.scrape(weft).containsKey("process_cpu_usage"), "process_cpu_usage missing on the linked runtime");
            weft.sigterm();
            int code = weft.awaitExit(Duration.ofSeconds(60));
            assertEquals(0, code, "exit code after SIGTERM\n" + weft.output());
            List<String> lines = weft.stdout().stream().filter(l -> !l.isBlank()).toList();
            assertFalse(lines.isEmpty(), "no log output");
            for (String line : lines) {
                JsonNode n = DeployFiles.JSON.readTree(line);
                assertTrue(n.isObject() && n.has("message"), "log.format=json: not a JSON log line: " + line);
            }
        }
    }

    @Test
    void moduleListCoversWhatJdepsFinds() throws Exception {
        Path jdeps = Path.of(System.getProperty("java.home"), "bin", "jdeps");
        if (!Files.isExecutable(jdeps)) {
            DeployFiles.requireTool("jdeps-in-java.home", "run the tests on a full JDK 25 (with jdeps)");
        }
        Path launcherTarget = Path.of("target").toAbsolutePath();
        List<String> cmd = new ArrayList<>(List.of(jdeps.toString(), "--print-module-deps", "--ignore-missing-deps",
                "--multi-release", String.valueOf(Runtime.version().feature())));
        try (Stream<Path> libs = Files.list(launcherTarget.resolve("lib"))) {
            libs.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> cmd.add(p.toString()));
        }
        cmd.add(launcherTarget.resolve("weft-launcher.jar").toString());
        DeployFiles.Result r = DeployFiles.run(launcherTarget, Duration.ofMinutes(3), cmd.toArray(String[]::new));
        assertEquals(0, r.exitCode(), "jdeps failed:\n" + r.output());
        String last = r.output().strip().lines().reduce((a, b) -> b).orElse("");
        Set<String> needed = new LinkedHashSet<>(Arrays.asList(last.split(",")));
        needed.removeAll(modules());
        assertTrue(needed.isEmpty(), "deploy/container/jre-modules lacks modules jdeps finds: " + needed + " (jdeps: " + last + ")");
    }

    static List<String> modules() throws IOException {
        return Files.readAllLines(MODULES).stream().map(l -> l.replaceAll("#.*", "").trim()).filter(l -> !l.isEmpty()).toList();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        if (Files.isDirectory(from)) {
            try (Stream<Path> s = Files.walk(from)) {
                for (Path p : s.toList()) {
                    Path dest = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(dest);
                    } else {
                        Files.copy(p, dest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                }
            }
        } else {
            Files.createDirectories(to.getParent());
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** The little of Dockerfile syntax this file uses: stages, ARG, ENV, WORKDIR, USER, COPY, ENTRYPOINT. */
    static final class Dockerfile {
        final List<Stage> stages = new ArrayList<>();

        static final class Stage {
            final String name;
            final Map<String, String> args = new LinkedHashMap<>();
            final Map<String, String> env = new LinkedHashMap<>();
            final List<String[]> copies = new ArrayList<>();
            String workdir = "/";
            String user = "";
            List<String> entrypoint;

            Stage(String name, Stage base) {
                this.name = name;
                if (base != null) { // FROM an earlier stage inherits its image config
                    env.putAll(base.env);
                    workdir = base.workdir;
                    user = base.user;
                    entrypoint = base.entrypoint;
                }
            }

            Map<String, String> args() { return args; }
            Map<String, String> env() { return env; }
            List<String[]> copies() { return copies; }
            String workdir() { return workdir; }
            String user() { return user; }
            List<String> entrypoint() { return entrypoint; }
        }

        private static final Pattern FROM = Pattern.compile("FROM\\s+(\\S+)\\s+AS\\s+(\\S+)", Pattern.CASE_INSENSITIVE);
        private static final Pattern KV = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S+)");
        private static final Pattern COPY_FROM = Pattern.compile("COPY\\s+--from=(\\S+)\\s+(\\S+)\\s+(\\S+)");

        Stage stage(String name) {
            return stages.stream().filter(s -> s.name.equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("Dockerfile has no stage " + name));
        }

        static Dockerfile parse(String text) throws IOException {
            Dockerfile df = new Dockerfile();
            String joined = text.replaceAll("(?m)^\\s*#.*\\n", "").replaceAll("\\\\\\n", " ");
            Stage cur = null;
            for (String raw : joined.split("\n")) {
                String line = raw.strip();
                if (line.isEmpty()) {
                    continue;
                }
                String instr = line.split("\\s+", 2)[0].toUpperCase(java.util.Locale.ROOT);
                String rest = line.length() > instr.length() ? line.substring(instr.length()).strip() : "";
                switch (instr) {
                    case "FROM" -> {
                        Matcher m = FROM.matcher(line);
                        assertTrue(m.matches(), "every stage is named: " + line);
                        Stage base = null;
                        for (Stage s : df.stages) {
                            if (s.name.equals(m.group(1))) {
                                base = s;
                            }
                        }
                        cur = new Stage(m.group(2), base);
                        df.stages.add(cur);
                    }
                    case "ARG" -> {
                        if (cur != null) {
                            Matcher m = KV.matcher(rest);
                            if (m.matches()) {
                                cur.args.put(m.group(1), unquote(m.group(2)));
                            }
                        }
                    }
                    case "ENV" -> {
                        Matcher m = KV.matcher(rest);
                        while (m.find()) {
                            cur.env.put(m.group(1), unquote(m.group(2)));
                        }
                    }
                    case "WORKDIR" -> cur.workdir = rest;
                    case "USER" -> cur.user = rest;
                    case "COPY" -> {
                        Matcher m = COPY_FROM.matcher(line);
                        if (m.matches()) {
                            cur.copies.add(new String[]{m.group(1), m.group(2), m.group(3)});
                        }
                    }
                    case "ENTRYPOINT" -> {
                        assertTrue(rest.startsWith("["), "ENTRYPOINT must be exec form (JSON array): " + line);
                        cur.entrypoint = Arrays.asList(DeployFiles.JSON.readValue(rest, String[].class));
                    }
                    default -> { }
                }
            }
            return df;
        }

        private static String unquote(String v) {
            return v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1).replace("\\\"", "\"") : v;
        }
    }
}
