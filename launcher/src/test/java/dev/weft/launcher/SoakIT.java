package dev.weft.launcher;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A soak at moderate load ({@code weft.soak.seconds}, default 60): neither the live thread count
 * nor the heap after a full GC may grow beyond a small bound. Samples come from the launcher's
 * own {@code /metrics}; "after GC" is made exact with {@code jcmd <pid> GC.run} before each
 * heap sample. The figures are printed for docs/RELIABILITY.md.
 */
class SoakIT {

    private static final int CLIENTS = 8;
    private static final Duration SAMPLE_EVERY = Duration.ofSeconds(10);
    /** Growth allowed between the first sample (after warm-up) and the last. */
    private static final int MAX_THREAD_GROWTH = 16;
    private static final long MAX_HEAP_GROWTH_BYTES = 16L * 1024 * 1024;

    record Sample(long second, long liveThreads, long weftThreads, long heapAfterGcBytes) { }

    @Test
    void threadsAndHeapStayBoundedUnderSustainedLoad() throws Exception {
        long seconds = Long.getLong("weft.soak.seconds", 60);
        try (LauncherProcess weft = LauncherProcess.start()) {
            weft.awaitReady(Duration.ofSeconds(60));
            LoadGenerator load = new LoadGenerator(weft.adminPort(), List.of(
                    new LoadGenerator.Kind("hello", 7, i -> HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + weft.apiPort() + "/api/v1/hello?name=soak" + i)).build()),
                    new LoadGenerator.Kind("aggregate", 3, i -> HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + weft.apiPort() + "/api/v1/aggregate")).build())));
            List<Sample> samples = new ArrayList<>();
            long start = System.nanoTime();
            try (load) {
                load.start(CLIENTS);
                Thread.sleep(SAMPLE_EVERY); // warm-up: pools and caches fill first
                long end = start + Duration.ofSeconds(seconds).toNanos();
                while (true) {
                    samples.add(sample(weft, (System.nanoTime() - start) / 1_000_000_000));
                    if (System.nanoTime() >= end) {
                        break;
                    }
                    Thread.sleep(Math.min(SAMPLE_EVERY.toMillis(), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                }
            }
            long requests = load.outcomes().size();
            List<LoadGenerator.Outcome> notOk = load.outcomes().stream()
                    .filter(o -> !o.completed() || o.status() != 200).toList();
            long failed = notOk.size();
            samples.forEach(s -> System.out.printf("soak t=%ds live_threads=%d weft_threads=%d heap_after_gc=%.1f MiB%n",
                    s.second(), s.liveThreads(), s.weftThreads(), s.heapAfterGcBytes() / 1048576.0));
            System.out.printf("soak: %d requests in %d s, %d not 200%n", requests, seconds, failed);

            assertEquals(List.of(), notOk, "every soak request answered 200");
            Sample first = samples.getFirst();
            Sample last = samples.getLast();
            assertTrue(last.liveThreads() - first.liveThreads() <= MAX_THREAD_GROWTH,
                    "live threads grew from " + first.liveThreads() + " to " + last.liveThreads());
            assertTrue(last.heapAfterGcBytes() - first.heapAfterGcBytes() <= MAX_HEAP_GROWTH_BYTES,
                    "heap after GC grew from " + first.heapAfterGcBytes() + " to " + last.heapAfterGcBytes());
            weft.sigterm();
            assertEquals(0, weft.awaitExit(Duration.ofSeconds(40)), weft.output());
            weft.assertNoWeftThreadsLeft();
        }
    }

    private static Sample sample(LauncherProcess weft, long second) throws Exception {
        fullGc(weft.pid());
        String metrics = LauncherProcess.HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + weft.adminPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return new Sample(second,
                (long) sum(metrics, "jvm_threads_live_threads\\{[^}]*\\}"),
                (long) sum(metrics, "weft_threads_live_threads\\{[^}]*\\}"),
                (long) sum(metrics, "jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*\\}"));
    }

    /** {@code jcmd PID GC.run}, with the jcmd of the JDK running this test. */
    private static void fullGc(long pid) throws Exception {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow());
        Path jcmd = java.resolveSibling("jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), String.valueOf(pid), "GC.run")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "jcmd GC.run finished");
        assertEquals(0, p.exitValue(), "jcmd GC.run succeeded");
    }

    /** The sum of every series matching {@code seriesPattern} (name and labels) in a text scrape. */
    private static double sum(String metrics, String seriesPattern) {
        Matcher m = Pattern.compile("(?m)^" + seriesPattern + " (\\S+)$").matcher(metrics);
        double total = 0;
        boolean found = false;
        while (m.find()) {
            total += Double.parseDouble(m.group(1));
            found = true;
        }
        assertTrue(found, "no series " + seriesPattern + " in the scrape");
        return total;
    }
}
