package dev.weft.launcher;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tracing as the packaged launcher wires it: with {@code tracing.enabled} the request histogram
 * carries the request's trace as an OpenMetrics exemplar and a job's log lines carry its
 * attempt's ids; with tracing off, neither. (The spans themselves are checked against a real OTLP
 * receiver in http-service's TracingTest and worker-service's JobTracingTest; here they go to a
 * port where nothing listens.)
 */
class TracingIT {

    private static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0";
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final Pattern HELLO_EXEMPLAR = Pattern.compile(
            "^http_server_requests_seconds_bucket\\{[^}]*uri=\"/api/v1/hello\"[^}]*} \\S+ # \\{([^}]*)}", Pattern.MULTILINE);
    private static final Pattern COUNT_EXEMPLAR = Pattern.compile("^\\S+_count\\{[^}]*} \\S+ # \\{", Pattern.MULTILINE);
    private static final Pattern HELLO_BUCKET = Pattern.compile(
            "^http_server_requests_seconds_bucket\\{[^}]*uri=\"/api/v1/hello\"", Pattern.MULTILINE);
    private static final Pattern IDS = Pattern.compile("trace_id=([0-9a-f]{32}) span_id=([0-9a-f]{16})");

    @Test
    void onTheHistogramHasTheRequestsTraceAsAnExemplarAndAJobsLogLinesTheirAttemptsIds() throws Exception {
        try (LauncherProcess weft = LauncherProcess.start("--tracing.enabled=true",
                "--tracing.otlp.endpoint=http://127.0.0.1:9/v1/traces")) {
            weft.awaitReady(Duration.ofSeconds(60));
            hello(weft);
            Matcher exemplar = HELLO_EXEMPLAR.matcher(awaitOpenMetrics(weft, HELLO_EXEMPLAR));
            assertTrue(exemplar.find(), "an exemplar on the hello route's histogram");
            assertTrue(exemplar.group(1).contains("trace_id=\"" + TRACE_ID + "\""), exemplar.group(1));
            assertFalse(COUNT_EXEMPLAR.matcher(openMetrics(weft)).find(),
                    "no exemplar on a _count, which Prometheus before 2.43 rejects with the whole scrape");

            String id = FaultsIT.submit(weft, "{\"type\":\"checksum\",\"payload\":{\"text\":\"traced\",\"chunkSize\":4}}");
            assertEquals("SUCCEEDED", FaultsIT.awaitTerminal(weft, id, Duration.ofSeconds(30)).get("state").asText());
            String line = weft.awaitStdoutLine("job " + id + " checksum SUCCEEDED", Duration.ofSeconds(10));
            Matcher ids = IDS.matcher(line);
            assertTrue(ids.find(), "the job's end line carries its attempt's ids: " + line);
            assertNotEquals(TRACE_ID, ids.group(1), "an attempt runs in a trace of its own");
            Pattern completedExemplar = Pattern.compile(
                    "^weft_jobs_completed_total\\{[^}]*type=\"checksum\"[^}]*} \\S+ # \\{([^}]*)}", Pattern.MULTILINE);
            Matcher completed = completedExemplar.matcher(awaitOpenMetrics(weft, completedExemplar));
            assertTrue(completed.find(), "the job's end is counted inside its attempt's span");
            assertTrue(completed.group(1).contains("trace_id=\"" + ids.group(1) + "\""), completed.group(1));
            weft.sigterm();
            assertEquals(0, weft.awaitExit(Duration.ofSeconds(40)), weft.output());
        }
    }

    @Test
    void offNeitherExemplarsNorIds() throws Exception {
        try (LauncherProcess weft = LauncherProcess.start()) {
            weft.awaitReady(Duration.ofSeconds(60));
            hello(weft);
            String metrics = awaitOpenMetrics(weft, HELLO_BUCKET);
            assertFalse(metrics.contains("trace_id="), "and has no exemplar");
            String id = FaultsIT.submit(weft, "{\"type\":\"checksum\",\"payload\":{\"text\":\"untraced\",\"chunkSize\":4}}");
            assertEquals("SUCCEEDED", FaultsIT.awaitTerminal(weft, id, Duration.ofSeconds(30)).get("state").asText());
            String line = weft.awaitStdoutLine("job " + id + " checksum SUCCEEDED", Duration.ofSeconds(10));
            assertFalse(line.contains("trace_id="), line);
            assertFalse(weft.output().contains("trace_id="), weft.output());
            weft.sigterm();
            assertEquals(0, weft.awaitExit(Duration.ofSeconds(40)), weft.output());
        }
    }

    /** A hello request that continues the client's trace {@link #TRACE_ID}. */
    private static void hello(LauncherProcess weft) throws Exception {
        HttpResponse<String> r = LauncherProcess.HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + weft.apiPort() + "/api/v1/hello"))
                .header("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
    }

    /** The OpenMetrics scrape once {@code expected} is in it (see {@link LauncherProcess#awaitMetrics}). */
    private static String awaitOpenMetrics(LauncherProcess weft, Pattern expected) throws Exception {
        return weft.awaitMetrics(OPENMETRICS, m -> expected.matcher(m).find(), expected.pattern(), Duration.ofSeconds(10));
    }

    private static String openMetrics(LauncherProcess weft) throws Exception {
        HttpResponse<String> r = LauncherProcess.HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + weft.adminPort() + "/metrics"))
                .header("Accept", OPENMETRICS).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }
}
