package dev.weft.launcher;

import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.RepeatedTest;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rolling-restart drill: SIGTERM in the middle of load, with the load generator acting as the
 * load balancer (it stops opening requests once readiness fails). Every request the server took
 * must get a complete 2xx answer: no reset, no 5xx. The process must exit 0 within the budget.
 */
class RollingRestartDrillIT {

    private static final int CLIENTS = 32;
    /** Longer than the generator's readiness poll period plus the slowest request in the mix. */
    private static final String DRAIN_DELAY = "1s";
    private static final Duration BUDGET = Duration.ofSeconds(30);

    @RepeatedTest(5)
    void sigtermUnderLoadLosesNoRequest(RepetitionInfo run) throws Exception {
        try (LauncherProcess weft = LauncherProcess.start("--shutdown.drain-delay=" + DRAIN_DELAY,
                "--shutdown.timeout=" + BUDGET.toSeconds() + "s")) {
            weft.awaitReady(Duration.ofSeconds(60));
            LoadGenerator load = new LoadGenerator(weft.adminPort(), List.of(
                    new LoadGenerator.Kind("hello", 6, i -> HttpRequest.newBuilder(
                            uri(weft, "/api/v1/hello?name=client" + i)).build()),
                    new LoadGenerator.Kind("aggregate", 3, i -> HttpRequest.newBuilder(
                            uri(weft, "/api/v1/aggregate" + (i % 2 == 0 ? "" : "?mode=partial"))).build()),
                    new LoadGenerator.Kind("job", 1, i -> HttpRequest.newBuilder(uri(weft, "/api/v1/jobs"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"type\":\"checksum\",\"payload\":{\"text\":\"drill " + i + "\",\"chunkSize\":4}}"))
                            .build())));
            long signalled;
            try (load) {
                load.start(CLIENTS);
                // Mid-load: wait until a good number of requests completed, then signal.
                awaitOutcomes(load, 1500, Duration.ofSeconds(30));
                signalled = System.nanoTime();
                weft.sigterm();
                int code = weft.awaitExit(BUDGET.plusSeconds(15));
                long exitedMillis = (System.nanoTime() - signalled) / 1_000_000;
                assertEquals(0, code, weft.output());
                assertTrue(exitedMillis < BUDGET.toMillis(), "exited " + exitedMillis + " ms after SIGTERM, budget " + BUDGET);
                assertTrue(load.stoppedRouting(), "the generator saw readiness fail before exit");
            }
            List<LoadGenerator.Outcome> outcomes = load.outcomes();
            Map<String, Long> byResult = outcomes.stream().collect(Collectors.groupingBy(
                    o -> o.kind() + " " + (o.completed() ? String.valueOf(o.status()) : o.failure()), Collectors.counting()));
            List<LoadGenerator.Outcome> bad = outcomes.stream()
                    .filter(o -> !o.completed() || o.status() < 200 || o.status() > 299)
                    .toList();
            System.out.printf("drill %d/%d: %d requests, %s%n", run.getCurrentRepetition(), run.getTotalRepetitions(),
                    outcomes.size(), byResult);
            assertTrue(outcomes.size() >= 1500, "load was real: " + outcomes.size());
            assertEquals(List.of(), bad, "every request got a complete 2xx; outcomes: " + byResult + "\n" + weft.output());

            // Every job accepted with 202 reached a terminal state that the server reported before
            // exit: its final count line, which must account for exactly the jobs we saw accepted.
            int accepted = load.acceptedJobIds().size();
            assertTrue(accepted > 0, "jobs were part of the load");
            LauncherIT.assertInOrder(weft.stdout(), "worker stopped: accepted=" + accepted + " succeeded=" + accepted
                    + " failed=0 cancelled=0 abandoned=0", "weft threads alive after shutdown: 0", "exit 0");
        }
    }

    private static java.net.URI uri(LauncherProcess weft, String path) {
        return java.net.URI.create("http://127.0.0.1:" + weft.apiPort() + path);
    }

    private static void awaitOutcomes(LoadGenerator load, int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (load.outcomes().size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + load.outcomes().size() + " requests completed in " + timeout);
            }
            Thread.sleep(10);
        }
    }
}
