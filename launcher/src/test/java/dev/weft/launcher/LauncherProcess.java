package dev.weft.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged launcher as a separate OS process, started the way {@code ./run} starts it
 * ({@code java -jar launcher/target/weft-launcher.jar ...}), on free ports. Output lines are
 * collected; the ports are read from the "listening:" lines. {@link #close()} kills the process
 * tree by PID, so that a failed test leaves nothing running.
 */
public final class LauncherProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening: (api|admin)\\s+http://[^:]+:(\\d+)/");
    public static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final Thread stdoutReader;
    private final Thread stderrReader;
    private volatile int apiPort = -1;
    private volatile int adminPort = -1;

    private LauncherProcess(Process process) {
        this.process = process;
        this.stdoutReader = Thread.ofPlatform().daemon().start(() -> pump(process.inputReader(StandardCharsets.UTF_8), stdout, true));
        this.stderrReader = Thread.ofPlatform().daemon().start(() -> pump(process.errorReader(StandardCharsets.UTF_8), stderr, false));
    }

    /** Starts the launcher with free ports, plus {@code args}. */
    public static LauncherProcess start(String... args) throws IOException {
        return start(java.util.Map.of(), args);
    }

    /** Starts the launcher with free ports, extra environment variables, plus {@code args}. */
    public static LauncherProcess start(java.util.Map<String, String> env, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), "-jar", jar().toString(),
                "--server.port=0", "--admin.port=0", "--server.host=127.0.0.1", "--admin.host=127.0.0.1"));
        command.addAll(List.of(args));
        return startCommand(command, env);
    }

    /**
     * Starts the launcher with no arguments: the free ports and loopback hosts come as its own
     * (prefixed) environment variables instead, so that {@code env} is all the configuration there is.
     */
    public static LauncherProcess startConfiguredByEnvironment(java.util.Map<String, String> env) throws IOException {
        java.util.Map<String, String> all = new java.util.HashMap<>(env);
        all.put(ServiceName.environmentVariable("server.port"), "0");
        all.put(ServiceName.environmentVariable("admin.port"), "0");
        all.put(ServiceName.environmentVariable("server.host"), "127.0.0.1");
        all.put(ServiceName.environmentVariable("admin.host"), "127.0.0.1");
        return startCommand(List.of(java(), "-jar", jar().toString()), all);
    }

    /**
     * Starts an exact command line (the container image's ENTRYPOINT, say) with extra environment
     * variables. The command must announce its ports like the launcher does.
     */
    public static LauncherProcess startCommand(List<String> command, java.util.Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        return new LauncherProcess(builder.start());
    }

    private static Path jar() {
        Path jar = Path.of(System.getProperty("weft.launcher.jar", "target/weft-launcher.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("packaged launcher missing: " + jar + " (run the package phase first)");
        }
        return jar;
    }

    /** The JVM running the tests (a JDK 25, found by the toolchain). */
    private static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
    }

    private void pump(BufferedReader reader, List<String> sink, boolean parsePorts) {
        try (reader) {
            String line;
            while ((line = reader.readLine()) != null) {
                sink.add(line);
                if (parsePorts) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        if (m.group(1).equals("api")) {
                            apiPort = Integer.parseInt(m.group(2));
                        } else {
                            adminPort = Integer.parseInt(m.group(2));
                        }
                    }
                }
            }
        } catch (IOException ignored) {
            // The process ended.
        }
    }

    /** Waits until both listeners have been announced and readiness answers 200. */
    public void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("launcher exited with " + process.exitValue() + " before it was ready:\n" + output());
            }
            if (adminPort > 0 && apiPort > 0 && status("/health/ready", adminPort) == 200) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("launcher not ready within " + timeout + ":\n" + output());
    }

    /** GET on the admin or API port; -1 when the connection fails. */
    public int status(String path, int port) {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * The {@code http_server_requests_seconds_count} series on the admin port's {@code /metrics}
     * with {@code outcome="SERVER_ERROR"} and a count above zero: what the launcher counted as
     * its own failures.
     */
    public List<String> serverErrorSeries() throws Exception {
        HttpResponse<String> scrape = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + adminPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        if (scrape.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + scrape.statusCode());
        }
        return scrape.body().lines()
                .filter(l -> l.startsWith("http_server_requests_seconds_count{") && l.contains("outcome=\"SERVER_ERROR\""))
                .filter(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)) > 0)
                .toList();
    }

    public int apiPort() {
        return apiPort;
    }

    public int adminPort() {
        return adminPort;
    }

    long pid() {
        return process.pid();
    }

    /** Sends SIGTERM (what {@code kill PID} and Kubernetes send). */
    public void sigterm() {
        // Through the handle: Process.destroy() would also close our ends of its output pipes.
        process.toHandle().destroy();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for exit and returns the exit code; fails the test if it takes longer than {@code timeout}. */
    public int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("launcher did not exit within " + timeout + ":\n" + output());
        }
        stdoutReader.join(Duration.ofSeconds(5));
        stderrReader.join(Duration.ofSeconds(5));
        return process.exitValue();
    }

    /**
     * Asserts, once the process has exited, that it reported no thread started by Weft still
     * alive after its supervisor returned (the leak check of a separate process).
     */
    public void assertNoWeftThreadsLeft() {
        if (stdout.stream().noneMatch(l -> l.contains("weft threads alive after shutdown: 0"))) {
            throw new AssertionError("Weft threads outlived the supervisor (or the line is missing):\n" + output());
        }
    }

    /**
     * The first stdout line containing {@code text}, waiting up to {@code timeout} for it: a line
     * the process logs after a state change the test already saw (a job's end line after its
     * SUCCEEDED is readable) can still be on its way through the pipe.
     */
    public String awaitStdoutLine(String text, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String line : stdout) {
                if (line.contains(text)) {
                    return line;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no stdout line containing '" + text + "' within " + timeout + "\n" + output());
            }
            Thread.sleep(10);
        }
    }

    /**
     * The admin port's {@code /metrics} body (in the format {@code accept} asks for, or the
     * Prometheus text when null) once {@code done} accepts it, scraping every 20 ms for up to
     * {@code timeout}: a meter moves a moment after the answer or state change that moved it
     * (the request filter records a request after its response is sent).
     */
    public String awaitMetrics(String accept, Predicate<String> done, String what, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort() + "/metrics"))
                    .timeout(Duration.ofSeconds(10));
            if (accept != null) {
                request.header("Accept", accept);
            }
            HttpResponse<String> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && done.test(r.body())) {
                return r.body();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("/metrics never showed " + what + " within " + timeout + "; last scrape ("
                        + r.statusCode() + "):\n" + r.body());
            }
            Thread.sleep(20);
        }
    }

    public List<String> stdout() {
        return List.copyOf(stdout);
    }

    List<String> stderr() {
        return List.copyOf(stderr);
    }

    public String output() {
        return "--- stdout ---\n" + String.join("\n", stdout) + "\n--- stderr ---\n" + String.join("\n", stderr);
    }

    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
