package dev.weft.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Work that outlasts the shutdown budget: aggregate calls to a 10 s upstream and jobs that hang,
 * under a 3 s budget. When the budget ends, every in-flight aggregate gets a complete 503
 * problem, unfinished jobs end CANCELLED or ABANDONED, all counted, and the exit code is 3.
 */
class SlowShutdownIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern STOPPED = Pattern.compile(
            "worker stopped: accepted=(\\d+) succeeded=(\\d+) failed=(\\d+) cancelled=(\\d+) abandoned=(\\d+)");
    private static final Duration BUDGET = Duration.ofSeconds(3);

    @Test
    void inFlightWorkIsCancelledAt503AndCountedWhenTheBudgetEnds() throws Exception {
        try (LauncherProcess weft = LauncherProcess.start("--shutdown.timeout=" + BUDGET.toSeconds() + "s",
                "--fault.job-handlers=true", "--worker.workers=2", "--worker.job-timeout=60s", "--worker.max-attempts=1",
                "--http.aggregate.max-timeout=30s",
                "--http.aggregate.upstreams=slow=http://{self}/api/v1/demo/upstream/slow?delay=10s");
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            weft.awaitReady(Duration.ofSeconds(60));

            // Distinct timeouts, so that SingleFlight does not collapse them into one fan-out.
            List<Future<HttpResponse<String>>> aggregates = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                String timeout = (15 + i) + "s";
                aggregates.add(clients.submit(() -> LauncherProcess.HTTP.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + weft.apiPort() + "/api/v1/aggregate"))
                        .header("X-Request-Timeout", timeout).timeout(Duration.ofSeconds(60)).build(),
                        HttpResponse.BodyHandlers.ofString())));
            }
            List<String> jobs = new ArrayList<>();
            for (int i = 0; i < 5; i++) { // 2 run (one per worker), 3 wait in the queue
                jobs.add(FaultsIT.submit(weft, "{\"type\":\"fault-hang\",\"payload\":{}}"));
            }
            // In flight: 4 aggregates plus their 4 calls to the demo upstream on the same server.
            awaitGauge(weft, "http_server_requests_in_flight", 8, Duration.ofSeconds(30));
            awaitGauge(weft, "weft_workers_busy", 2, Duration.ofSeconds(30));

            long signalled = System.nanoTime();
            weft.sigterm();
            for (Future<HttpResponse<String>> f : aggregates) {
                HttpResponse<String> r;
                try {
                    r = f.get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new AssertionError("an in-flight aggregate got no answer: " + e.getCause() + "\n" + weft.output(), e);
                }
                assertEquals(503, r.statusCode(), r.body());
                assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
                JsonNode problem = JSON.readTree(r.body()); // complete: it parses
                assertEquals(503, problem.get("status").asInt(), r.body());
            }
            int code = weft.awaitExit(Duration.ofSeconds(60));
            weft.assertNoWeftThreadsLeft();
            long tookMillis = (System.nanoTime() - signalled) / 1_000_000;
            assertEquals(3, code, weft.output());
            System.out.printf("slow shutdown: exit %d %d ms after SIGTERM (budget %d ms)%n", code, tookMillis, BUDGET.toMillis());

            Matcher m = weft.stdout().stream().map(STOPPED::matcher).filter(Matcher::find).reduce((a, b) -> b)
                    .orElseThrow(() -> new AssertionError("no 'worker stopped' line\n" + weft.output()));
            long accepted = Long.parseLong(m.group(1));
            long sum = 0;
            for (int g = 2; g <= 5; g++) {
                sum += Long.parseLong(m.group(g));
            }
            assertEquals(jobs.size(), accepted, m.group());
            assertEquals(accepted, sum, "every accepted job is counted in one terminal state: " + m.group());
            // The HTTP drain spent the whole budget (its aggregates outlast it), so the worker's turn
            // comes with none left: running and queued jobs alike end CANCELLED or ABANDONED.
            assertEquals(jobs.size(), Long.parseLong(m.group(4)) + Long.parseLong(m.group(5)), m.group());
        }
    }

    /** Waits until the sum of a gauge's series in {@code /metrics} reaches {@code atLeast}. */
    private static void awaitGauge(LauncherProcess weft, String name, double atLeast, Duration timeout) throws Exception {
        Pattern series = Pattern.compile("(?m)^" + name + "\\{[^}]*\\} (\\S+)$");
        weft.awaitMetrics(null, metrics -> {
            Matcher m = series.matcher(metrics);
            double value = 0;
            while (m.find()) {
                value += Double.parseDouble(m.group(1));
            }
            return value >= atLeast;
        }, name + " >= " + atLeast, timeout);
    }
}
