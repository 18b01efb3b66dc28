package dev.weft.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Faults injected into the packaged launcher: a service failing at run time, misbehaving job handlers. */
class FaultsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void serviceFailingWhileRunningStopsTheOthersInOrderAndExitsOne() throws Exception {
        try (LauncherProcess weft = LauncherProcess.start("--fault.fail-running=worker", "--fault.fail-after=3s")) {
            weft.awaitReady(Duration.ofSeconds(60));
            assertEquals(200, weft.status("/api/v1/hello", weft.apiPort()));
            int code = weft.awaitExit(Duration.ofSeconds(60));
            weft.assertNoWeftThreadsLeft();
            assertEquals(1, code, weft.output());
            LauncherIT.assertInOrder(weft.stdout(), "listening: api", "fault.fail-running: worker",
                    "shutdown begins", "readiness off", "stop http", "stop worker", "stop admin", "exit 1");
        }
    }

    @Test
    void misbehavingJobHandlersEndFailedAndTheWorkersKeepWorking() throws Exception {
        try (LauncherProcess weft = LauncherProcess.start("--fault.job-handlers=true", "--worker.job-timeout=2s",
                "--worker.workers=2", "--worker.max-attempts=1")) {
            weft.awaitReady(Duration.ofSeconds(60));
            Map<String, String> ids = new LinkedHashMap<>();
            for (String type : List.of("fault-throw", "fault-hang", "fault-allocate")) {
                ids.put(type, submit(weft, "{\"type\":\"" + type + "\",\"payload\":{}}"));
            }
            for (Map.Entry<String, String> e : ids.entrySet()) {
                JsonNode job = awaitTerminal(weft, e.getValue(), Duration.ofSeconds(60));
                assertEquals("FAILED", job.get("state").asText(), e.getKey() + ": " + job);
                String error = job.path("error").asText();
                if (e.getKey().equals("fault-throw")) {
                    assertTrue(error.contains("fails on purpose"), job.toString());
                } else {
                    assertTrue(error.contains("timed out") || error.contains("deadline"), e.getKey() + ": " + job);
                }
            }
            // Both workers survived: two real jobs at once still succeed.
            String a = submit(weft, "{\"type\":\"checksum\",\"payload\":{\"text\":\"after the faults\",\"chunkSize\":4}}");
            String b = submit(weft, "{\"type\":\"checksum\",\"payload\":{\"text\":\"still working\",\"chunkSize\":4}}");
            assertEquals("SUCCEEDED", awaitTerminal(weft, a, Duration.ofSeconds(30)).get("state").asText());
            assertEquals("SUCCEEDED", awaitTerminal(weft, b, Duration.ofSeconds(30)).get("state").asText());
            assertEquals(200, weft.status("/health/live", weft.adminPort()));
            // Failing jobs are the handlers' fault, recorded on the job: no HTTP answer was a 5xx.
            assertEquals(List.of(), weft.serverErrorSeries());
            weft.sigterm();
            assertEquals(0, weft.awaitExit(Duration.ofSeconds(40)), weft.output());
            weft.assertNoWeftThreadsLeft();
        }
    }

    static String submit(LauncherProcess weft, String json) throws Exception {
        HttpResponse<String> r = LauncherProcess.HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + weft.apiPort() + "/api/v1/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, r.statusCode(), r.body());
        return JSON.readTree(r.body()).get("id").asText();
    }

    static JsonNode awaitTerminal(LauncherProcess weft, String id, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = LauncherProcess.HTTP.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + weft.apiPort() + "/api/v1/jobs/" + id)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode job = JSON.readTree(r.body());
            String state = job.path("state").asText();
            if (List.of("SUCCEEDED", "FAILED", "CANCELLED", "ABANDONED").contains(state)) {
                return job;
            }
            Thread.sleep(50);
        }
        fail("job " + id + " not finished within " + timeout + "\n" + weft.output());
        return null;
    }
}
