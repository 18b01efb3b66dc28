package dev.weft.archetype;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The archetype's proof: generates a fork under names that share nothing with the template's
 * ({@code com.acme}, {@code orders}, {@code com.acme.orders}) the way the README says, offline,
 * and checks the fork: its first {@code ./run} answers ready (and the time it took, from the
 * start of generation, is reported), it names itself everywhere but in the listed deliberate
 * mentions, its overlays render under its names, its alert rules and dashboard select its own
 * Prometheus job, and its own {@code ./mvnw verify} passes.
 *
 * <p>The fork's verify runs in full under CI ({@code CI=true}) or with {@code -Dfork.full=true};
 * otherwise it runs every unit test but only the end-to-end tests that names can break
 * ({@link #LOCAL_ITS}), to keep a laptop's verify short.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ForkIT {

    static final String GROUP_ID = "com.acme";
    static final String ARTIFACT_ID = "orders";
    static final String PACKAGE = "com.acme.orders";

    /**
     * What may still say "weft" in a fork, outside the patterns library it carries: the library's
     * package and thread factory, which a fork uses as they are, and the template's own name where
     * the fork's docs say where it came from. The template's measured benchmark results are kept
     * as they were measured ({@link #VERBATIM_DIRS}).
     */
    static final List<String> DELIBERATE = List.of("dev.weft.patterns", "dev/weft/patterns", "WeftThreads",
            "dev.weft:weft-archetype", "-DarchetypeGroupId=dev.weft", "weft-archetype", "Weft template");
    static final List<String> VERBATIM_DIRS = List.of("patterns/", "benchmarks/results/");

    /** The end-to-end tests the fork runs locally: start-up, signals and exit codes, and the deploy files against the app. */
    static final String LOCAL_ITS = "LauncherIT,KubernetesManifestsIT,MetricNamesIT";

    /**
     * The template's tests find their PostgreSQL through this variable, by default at what .ci/run
     * creates (worker-service's TestPostgres). The fork's tests read the fork's variable
     * ({@code ORDERS_TEST_POSTGRES_URL}, default database and role {@code orders_test} and
     * {@code orders}, which the fork's .ci/run creates on a fresh machine): the fork's build gets
     * the template's database under the fork's name, since nothing here created the fork's. Each
     * test class works in a schema of its own, named after the service, so sharing it is safe.
     */
    static final String TEMPLATE_POSTGRES_ENV = "WEFT_TEST_POSTGRES_URL";
    static final String TEMPLATE_POSTGRES_DEFAULT = "jdbc:postgresql://127.0.0.1:5432/weft_test?user=weft&password=weft";

    /** The overlays opt in to the PodMonitor by listing this component (deploy/k8s/components/podmonitor). */
    static final String POD_MONITOR_COMPONENT = "../../components/podmonitor";

    static final Duration STEP_DEADLINE = Duration.ofMinutes(10);
    static final Duration VERIFY_DEADLINE = Duration.ofMinutes(60);
    static final Pattern README_GENERATE = Pattern.compile("(?m)^\\./mvnw (archetype:generate .*)$");
    static final Pattern ADMIN_LISTENING = Pattern.compile("listening: admin\\s+http://([^/]+)/");

    static Path work;
    static Path fork;
    /** The environment of every Maven run in the fork: the repositories, and the fork's test database. */
    static Map<String, String> forkEnv;
    static long generationStarted;

    @BeforeAll
    static void generateFork() throws Exception {
        work = Path.of(property("fork.work"));
        deleteTree(work);
        Path repo = work.resolve("repo");
        Path generateIn = Files.createDirectories(work.resolve("generate"));
        // The archetype as `./mvnw install` would leave it, in a repository of the test's own; all
        // else comes from the build's repository, read-only (Maven 3.9's tail), so nothing is
        // installed where other builds look.
        String version = property("fork.archetype.version");
        Path installed = repo.resolve(property("fork.archetype.groupId").replace('.', '/'))
                .resolve(property("fork.archetype.artifactId")).resolve(version);
        Files.createDirectories(installed);
        String base = property("fork.archetype.artifactId") + "-" + version;
        Files.copy(Path.of(property("fork.archetype.jar")), installed.resolve(base + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(Path.of(property("fork.archetype.pom")), installed.resolve(base + ".pom"), StandardCopyOption.REPLACE_EXISTING);
        forkEnv = new HashMap<>(Map.of("MAVEN_ARGS", "-Dmaven.repo.local=" + repo + " -Dmaven.repo.local.tail=" + property("fork.repo.local")));
        String forkPostgresEnv = TEMPLATE_POSTGRES_ENV.replace("WEFT", ARTIFACT_ID.replace('-', '_').toUpperCase(Locale.ROOT));
        if (System.getenv(forkPostgresEnv) == null) {
            forkEnv.put(forkPostgresEnv, System.getenv().getOrDefault(TEMPLATE_POSTGRES_ENV, TEMPLATE_POSTGRES_DEFAULT));
        }

        // The README's own command, run where the README runs it (the template's root, whose
        // pluginManagement pins the plugin), offline, only sending the fork to this test's directory.
        Path template = Path.of(property("fork.template.root"));
        Matcher readme = README_GENERATE.matcher(Files.readString(template.resolve("README.md")));
        assertTrue(readme.find(), "the README shows the archetype:generate command");
        List<String> command = new ArrayList<>(List.of("./mvnw", "-B", "-o"));
        for (String arg : readme.group(1).trim().split("\\s+")) {
            command.add(arg.equals("-DoutputDirectory=..") ? "-DoutputDirectory=" + generateIn : arg);
        }
        assertTrue(command.containsAll(List.of("-DgroupId=" + GROUP_ID, "-DartifactId=" + ARTIFACT_ID, "-Dpackage=" + PACKAGE,
                "-DarchetypeVersion=" + version, "-DoutputDirectory=" + generateIn)), "the README generates " + command);
        generationStarted = System.nanoTime();
        run(template, "generate", STEP_DEADLINE, command.toArray(String[]::new));
        fork = generateIn.resolve(ARTIFACT_ID);
        // What a user does next; the build reads the revision from it (and git grep needs it).
        run(fork, "git-init", STEP_DEADLINE, "git", "init", "-q");
        run(fork, "git-add", STEP_DEADLINE, "git", "add", "-A");
        run(fork, "git-commit", STEP_DEADLINE, "git", "-c", "user.name=fork", "-c", "user.email=fork@example.com",
                "commit", "-q", "-m", "Generated from the template");
    }

    @Test
    @Order(1)
    void firstRunAnswersReadyUnderTheForksNames() throws Exception {
        Path log = work.resolve("logs/run.log");
        ProcessBuilder builder = new ProcessBuilder("./run", "--server.port=0", "--admin.port=0",
                "--server.host=127.0.0.1", "--admin.host=127.0.0.1")
                .directory(fork.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(forkEnv);
        Process run = builder.start();
        try {
            String admin = awaitLine(run, log, ADMIN_LISTENING, STEP_DEADLINE).group(1);
            HttpClient http = HttpClient.newHttpClient();
            awaitReady(run, http, URI.create("http://" + admin + "/health/ready"), log);
            double seconds = (System.nanoTime() - generationStarted) / 1e9;
            String figure = String.format(Locale.ROOT, "generation to the first ./run ready: %.1f s%n", seconds);
            Files.writeString(work.resolve("first-run-seconds.txt"), figure);
            System.out.print("ForkIT: " + figure);

            String metrics = get(http, URI.create("http://" + admin + "/metrics")).body();
            assertTrue(metrics.contains(ARTIFACT_ID + "_build_info{"), "the build-info series carries the fork's name");
            assertTrue(metrics.contains("application=\"" + ARTIFACT_ID + "\""), "the application tag defaults to the fork's name");
            assertFalse(metrics.toLowerCase(Locale.ROOT).contains("weft"), "no series or label names the template");

            run.destroy(); // SIGTERM: the fork drains and exits 0 like the template
            assertTrue(run.waitFor(STEP_DEADLINE.toSeconds(), TimeUnit.SECONDS), "./run stops after SIGTERM");
            assertEquals(0, run.exitValue(), () -> "exit code after SIGTERM; log:\n" + tail(log));
            assertTrue(Files.readString(log).contains(ARTIFACT_ID + " threads alive after shutdown: 0"),
                    () -> "the fork's leftover-thread line; log:\n" + tail(log));
        } finally {
            run.descendants().forEach(ProcessHandle::destroyForcibly);
            run.destroyForcibly();
        }
    }

    @Test
    @Order(2)
    void namesTheTemplateOnlyWhereListed() throws Exception {
        String grep = output(fork, "git-grep", "git", "grep", "-n", "-I", "-i", "weft", "--", ".",
                ":(exclude)" + VERBATIM_DIRS.get(0), ":(exclude)" + VERBATIM_DIRS.get(1));
        List<String> unexpected = new ArrayList<>();
        for (String line : grep.lines().toList()) {
            String rest = line;
            for (String phrase : DELIBERATE) {
                rest = rest.replace(phrase, "");
            }
            if (rest.toLowerCase(Locale.ROOT).contains("weft")) {
                unexpected.add(line);
            }
        }
        assertTrue(unexpected.isEmpty(), () -> unexpected.size() + " mentions of the template's name:\n" + String.join("\n", unexpected));
        assertTrue(Files.isRegularFile(fork.resolve("launcher/src/main/java/com/acme/orders/launcher/Main.java")),
                "the service packages moved under the fork's package");
        assertTrue(Files.isRegularFile(fork.resolve("patterns/src/main/java/dev/weft/patterns/Context.java")),
                "the patterns library keeps its package");
        assertTrue(Files.isExecutable(fork.resolve("run")) && Files.isExecutable(fork.resolve("mvnw"))
                && Files.isExecutable(fork.resolve(".ci/run")), "the scripts stay executable");
        assertTrue(Files.isRegularFile(fork.resolve(".gitignore")), "the fork has the template's .gitignore");
        assertFalse(Files.exists(fork.resolve("archetype")), "a fork does not carry the archetype module");
    }

    @Test
    @Order(3)
    void overlaysRenderUnderTheForksNames() throws Exception {
        for (Map.Entry<String, String> overlay : Map.of("dev", ARTIFACT_ID + "-dev", "prod", ARTIFACT_ID).entrySet()) {
            String rendered = kustomize(overlay.getKey());
            assertFalse(rendered.toLowerCase(Locale.ROOT).contains("weft"), overlay.getKey() + " overlay names the template");
            assertTrue(rendered.contains("app.kubernetes.io/name: " + ARTIFACT_ID), overlay.getKey() + " selects the fork's pods");
            assertTrue(rendered.contains("image: ghcr.io/example/" + ARTIFACT_ID + ":"), overlay.getKey() + " runs the fork's image");
            assertEquals(overlay.getValue() + "/" + ARTIFACT_ID, podMonitorJob(kustomizeWithPodMonitor(overlay.getKey())),
                    overlay.getKey() + " Prometheus job");
        }
    }

    @Test
    @Order(4)
    void alertRulesAndDashboardSelectTheForksJob() throws Exception {
        List<String> jobs = new ArrayList<>();
        for (String overlay : List.of("dev", "prod")) {
            jobs.add(onPath("kubectl") ? podMonitorJob(kustomizeWithPodMonitor(overlay)) : podMonitorJobFromSources(overlay));
        }
        Matcher laptop = Pattern.compile("job_name:\\s*(\\S+)").matcher(Files.readString(fork.resolve("deploy/prometheus/prometheus.yml")));
        assertTrue(laptop.find(), "prometheus.yml has a scrape job");
        jobs.add(laptop.group(1));
        for (String file : List.of("deploy/prometheus/rules/" + ARTIFACT_ID + ".rules.yml",
                "deploy/grafana/" + ARTIFACT_ID + "-dashboard.json")) {
            String text = Files.readString(fork.resolve(file));
            // The dashboard's panels select job=~"$job"; with All chosen, the default, Grafana sends the job variable's allValue.
            Matcher all = Pattern.compile("(?s)\"name\":\\s*\"job\".*?\"allValue\":\\s*\"(.*?)\"").matcher(text);
            String allValue = all.find() ? all.group(1) : null;
            // job="x" or job=~"re", quotes JSON-escaped in the dashboard; Prometheus anchors the regex.
            Matcher m = Pattern.compile("\\bjob\\s*(=~|=)\\s*\\\\?\"(.*?)\\\\?\"").matcher(text);
            int matchers = 0;
            while (m.find()) {
                matchers++;
                String selector = m.group(2);
                if (selector.equals("$job")) {
                    assertTrue(allValue != null, file + " selects job=~\"$job\" but has no job variable with an allValue");
                    selector = allValue;
                }
                Pattern accepts = m.group(1).equals("=") ? Pattern.compile(Pattern.quote(selector)) : Pattern.compile(selector);
                for (String job : jobs) {
                    assertTrue(accepts.matcher(job).matches(), file + ": job" + m.group(1) + "\"" + selector + "\" misses the fork's job " + job);
                }
            }
            assertTrue(matchers > 0, file + " selects a job");
        }
    }

    @Test
    @Order(5)
    void forksOwnVerifyPasses() throws Exception {
        boolean full = "true".equals(System.getenv("CI")) || "true".equals(System.getProperty("fork.full"));
        List<String> command = new ArrayList<>(List.of("./mvnw", "-B", "verify"));
        if (!full) {
            command.addAll(List.of("-Dit.test=" + LOCAL_ITS, "-Dfailsafe.failIfNoSpecifiedTests=false"));
        }
        System.out.println("ForkIT: the fork's " + String.join(" ", command) + (full ? " (full)" : " (local set; CI=true or -Dfork.full=true runs all)"));
        run(fork, "verify", VERIFY_DEADLINE, command.toArray(String[]::new));
    }

    /** The overlay rendered by kubectl's kustomize; the test is skipped where kubectl is missing. */
    private static String kustomize(String overlay) throws Exception {
        return kustomize(fork.resolve("deploy/k8s"), overlay);
    }

    private static String kustomize(Path k8s, String overlay) throws Exception {
        assumeTrue(onPath("kubectl"), "kubectl is not installed");
        return output(fork, "kustomize-" + overlay, "kubectl", "kustomize", k8s.resolve("overlays").resolve(overlay).toString());
    }

    /**
     * The overlay rendered with the PodMonitor component: as it is where the overlay lists it (prod),
     * else from a copy of the fork's deploy/k8s whose overlay lists it the way the overlay's comment
     * tells a cluster with the Prometheus Operator to (dev), so every overlay's job is the rendered one.
     */
    private static String kustomizeWithPodMonitor(String overlay) throws Exception {
        String kustomization = Files.readString(fork.resolve("deploy/k8s/overlays/" + overlay + "/kustomization.yaml"));
        if (kustomization.contains("- " + POD_MONITOR_COMPONENT)) {
            return kustomize(overlay);
        }
        Path copy = work.resolve("k8s-" + overlay + "-with-podmonitor");
        deleteTree(copy);
        copyTree(fork.resolve("deploy/k8s"), copy);
        String entry = "  - " + POD_MONITOR_COMPONENT + "\n";
        Files.writeString(copy.resolve("overlays/" + overlay + "/kustomization.yaml"), kustomization.contains("\ncomponents:\n")
                ? kustomization.replace("\ncomponents:\n", "\ncomponents:\n" + entry)
                : kustomization + (kustomization.endsWith("\n") ? "" : "\n") + "components:\n" + entry);
        return kustomize(copy, overlay);
    }

    /** The job label Prometheus Operator gives a PodMonitor's targets: namespace/name. */
    private static String podMonitorJob(String rendered) {
        for (String doc : rendered.split("(?m)^---$")) {
            if (Pattern.compile("(?m)^kind: PodMonitor$").matcher(doc).find()) {
                Matcher name = Pattern.compile("(?m)^  name: (\\S+)$").matcher(doc);
                Matcher namespace = Pattern.compile("(?m)^  namespace: (\\S+)$").matcher(doc);
                assertTrue(name.find() && namespace.find(), "the PodMonitor has a name and a namespace");
                return namespace.group(1) + "/" + name.group(1);
            }
        }
        return fail("no PodMonitor rendered");
    }

    /**
     * The same job without kubectl (CI may lack it): the overlay's namespace and the component's
     * PodMonitor's name, which is what kustomize renders while the overlays add no name prefix.
     */
    private static String podMonitorJobFromSources(String overlay) throws IOException {
        String kustomization = Files.readString(fork.resolve("deploy/k8s/overlays/" + overlay + "/kustomization.yaml"));
        assertFalse(kustomization.contains("namePrefix") || kustomization.contains("nameSuffix"),
                "the overlay renames objects: this fallback no longer knows the job, install kubectl");
        Matcher namespace = Pattern.compile("(?m)^namespace: (\\S+)$").matcher(kustomization);
        Matcher name = Pattern.compile("(?m)^  name: (\\S+)$").matcher(Files.readString(fork.resolve("deploy/k8s/components/podmonitor/podmonitor.yaml")));
        assertTrue(namespace.find() && name.find(), overlay + ": a namespace and a PodMonitor name");
        return namespace.group(1) + "/" + name.group(1);
    }

    private static void awaitReady(Process run, HttpClient http, URI ready, Path log) throws Exception {
        long deadline = System.nanoTime() + STEP_DEADLINE.toNanos();
        while (true) {
            assertTrue(run.isAlive(), () -> "./run exited before it was ready; log:\n" + tail(log));
            try {
                if (get(http, ready).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            assertTrue(System.nanoTime() < deadline, () -> "not ready within " + STEP_DEADLINE + "; log:\n" + tail(log));
            Thread.sleep(100); // poll interval, bounded by the deadline above
        }
    }

    private static HttpResponse<String> get(HttpClient http, URI uri) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits for a line of the process's log matching {@code pattern}. */
    private static Matcher awaitLine(Process process, Path log, Pattern pattern, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            Matcher m = pattern.matcher(Files.readString(log));
            if (m.find()) {
                return m;
            }
            assertTrue(process.isAlive(), () -> "exited before logging " + pattern + "; log:\n" + tail(log));
            assertTrue(System.nanoTime() < deadline, () -> "no " + pattern + " within " + within + "; log:\n" + tail(log));
            Thread.sleep(100); // poll interval, bounded by the deadline above
        }
    }

    /** Runs a command to completion, its output in logs/{@code step}.log; fails with the log's tail unless it exits 0. */
    private static void run(Path dir, String step, Duration within, String... command) throws Exception {
        Path log = Files.createDirectories(work.resolve("logs")).resolve(step + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(forkEnv);
        Process process = builder.start();
        try {
            assertTrue(process.waitFor(within.toSeconds(), TimeUnit.SECONDS), () -> step + " did not finish within " + within);
            assertEquals(0, process.exitValue(), () -> String.join(" ", command) + " failed; " + log + ":\n" + tail(log));
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /** Runs a command to completion and returns its standard output; exit 1 with no output counts as none (git grep). */
    private static String output(Path dir, String step, String... command) throws Exception {
        Process process = new ProcessBuilder(command).directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertTrue(process.waitFor(STEP_DEADLINE.toSeconds(), TimeUnit.SECONDS), () -> step + " did not finish");
        String text = out.get();
        int code = process.exitValue();
        assertTrue(code == 0 || (code == 1 && text.isEmpty()), () -> step + " exited " + code);
        return text;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private static boolean onPath(String tool) {
        return Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
    }

    private static String property(String key) {
        String value = System.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException("system property " + key + " is not set (run ForkIT through the archetype module's failsafe)");
        }
        return value;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
