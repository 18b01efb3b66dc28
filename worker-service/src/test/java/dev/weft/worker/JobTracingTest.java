package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.weft.http.ApiServer;
import dev.weft.http.OtlpReceiver;
import dev.weft.http.Tracing;
import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static dev.weft.worker.WorkerTesting.LIVENESS;
import static dev.weft.worker.WorkerTesting.awaitState;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A span per job attempt, linked to the submitting request's span, exported by the real
 * OpenTelemetry SDK over OTLP/HTTP to a receiver that decodes them with the official protobuf
 * classes: with the memory store, and with the postgres store from one replica to another.
 */
@ExtendWith(NoLeakedThreads.class)
class JobTracingTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN_ID = "00f067aa0ba902b7";
    /** The fields of a job's JSON, as before tracing: the trace context is never shown. */
    private static final Set<String> JOB_FIELDS = Set.of("id", "type", "state", "attempts", "submittedAt", "startedAt",
            "finishedAt", "result", "error");

    private OtlpReceiver receiver;
    private OpenTelemetrySdk sdk;
    private final List<AutoCloseable> toStop = new ArrayList<>();
    /** What each handler run saw: the current span on its thread and the span in its context. */
    private final List<SpanContext[]> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        receiver = new OtlpReceiver();
        sdk = receiver.sdk("weft-test");
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toStop.reversed()) {
            c.close();
        }
        sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
        sdk.close();
        receiver.close();
    }

    private WorkerService worker(JobStore store, JobHandler... handlers) {
        var b = WorkerService.builder().workers(2).maxAttempts(2).jobTimeout(Duration.ofMillis(300))
                .backoff(new Backoff(Duration.ofMillis(10), Duration.ofMillis(20)))
                .tracing(JobTracing.of(sdk));
        if (store != null) {
            b.store(store);
        }
        for (JobHandler h : handlers) {
            b.handler(h);
        }
        WorkerService w = b.build();
        toStop.add(() -> w.stop(Context.withTimeout(Context.background(), Duration.ofSeconds(30))));
        return w;
    }

    /** Fails its first attempt (retryably), then returns "ok", noting what it saw each time. */
    private JobHandler flaky() {
        return new TestHandler("flaky", (ctx, p) -> {
            seen.add(new SpanContext[] {Span.current().getSpanContext(),
                    ctx.value(JobTracing.KEY).map(t -> Span.fromContext(t).getSpanContext()).orElse(SpanContext.getInvalid())});
            if (seen.size() == 1) {
                throw new JobHandler.RetryableJobException("first attempt fails");
            }
            return TextNode.valueOf("ok");
        });
    }

    @Test
    void eachAttemptIsASpanOfItsOwnTraceLinkedToTheSubmittingRequest() throws Exception {
        WorkerService w = worker(null, flaky());
        w.start();
        ApiServer api = ApiServer.builder().host("127.0.0.1").port(0).registry(new SimpleMeterRegistry())
                .tracing(Tracing.of(sdk)).mount("/api/v1", w.routes("/api/v1")).build();
        api.start();
        toStop.add(() -> api.stop(Context.background()));

        Response submitted = given().port(api.port()).header("traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN_ID + "-01")
                .contentType("application/json").body("{\"type\":\"flaky\",\"payload\":{}}").post("/api/v1/jobs");
        assertEquals(202, submitted.statusCode(), submitted.asString());
        assertEquals(JOB_FIELDS, fields(submitted.as(JsonNode.class)), "the trace context is not in the job's JSON");
        UUID id = UUID.fromString(submitted.as(JsonNode.class).get("id").asText());
        awaitState(w, id, JobState.SUCCEEDED);
        JsonNode read = given().port(api.port()).get("/api/v1/jobs/" + id).as(JsonNode.class);
        assertEquals(JOB_FIELDS, fields(read));

        List<io.opentelemetry.proto.trace.v1.Span> spans = receiver.await(
                s -> named(s, "POST /api/v1/jobs").size() == 1 && named(s, "process flaky").size() == 2, LIVENESS);
        io.opentelemetry.proto.trace.v1.Span request = named(spans, "POST /api/v1/jobs").getFirst();
        assertEquals(TRACE_ID, hex(request.getTraceId()), "the request span continues the client's trace");
        List<io.opentelemetry.proto.trace.v1.Span> attempts = named(spans, "process flaky").stream()
                .sorted(java.util.Comparator.comparingLong(s -> intAttribute(s, "weft.job.attempt"))).toList();
        for (int n = 1; n <= 2; n++) {
            io.opentelemetry.proto.trace.v1.Span attempt = attempts.get(n - 1);
            assertEquals(n, intAttribute(attempt, "weft.job.attempt"));
            assertEquals(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CONSUMER, attempt.getKind());
            assertTrue(attempt.getParentSpanId().isEmpty(), "not a child of the request: a link");
            assertNotEquals(request.getTraceId(), attempt.getTraceId(), "a trace of its own");
            assertEquals(1, attempt.getLinksCount());
            assertEquals(request.getTraceId(), attempt.getLinks(0).getTraceId(), "linked to the submitting request's span");
            assertEquals(request.getSpanId(), attempt.getLinks(0).getSpanId());
            assertEquals(id.toString(), attribute(attempt, "messaging.message.id"));
            assertEquals("flaky", attribute(attempt, "messaging.destination.name"));
            assertEquals("process", attribute(attempt, "messaging.operation.type"));
        }
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, attempts.get(0).getStatus().getCode());
        assertEquals("first attempt fails", attempts.get(0).getStatus().getMessage());
        assertEquals("failed", attribute(attempts.get(0), "error.type"));
        assertEquals(Status.StatusCode.STATUS_CODE_UNSET, attempts.get(1).getStatus().getCode());
        for (int n = 0; n < 2; n++) {
            SpanContext[] saw = seen.get(n);
            assertEquals(hex(attempts.get(n).getSpanId()), saw[0].getSpanId(), "the handler's thread has the attempt's span current");
            assertEquals(hex(attempts.get(n).getTraceId()), saw[0].getTraceId());
            assertEquals(saw[0], saw[1], "and its context carries the same span");
        }
    }

    @Test
    void aTimedOutAttemptIsAnErrorAndTheLinkKeepsTheTracestate() throws Exception {
        // Hangs until the attempt's deadline interrupts it.
        WorkerService w = worker(null, new TestHandler("hang", (ctx, p) -> {
            Thread.sleep(LIVENESS);
            return null;
        }));
        w.start();
        SpanContext submitter = submitterSpan();
        UUID id = assertInstanceOf(WorkerService.Accepted.class,
                w.submit("hang", JsonNodeFactory.instance.objectNode(), null, io.opentelemetry.context.Context.root()
                        .with(Span.wrap(submitter)))).job().id();
        awaitState(w, id, JobState.FAILED);

        io.opentelemetry.proto.trace.v1.Span attempt = receiver.await(s -> named(s, "process hang").size() == 1, LIVENESS)
                .stream().filter(s -> s.getName().equals("process hang")).findFirst().orElseThrow();
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, attempt.getStatus().getCode());
        assertEquals("timed out after 300 ms", attempt.getStatus().getMessage());
        assertEquals("timeout", attribute(attempt, "error.type"));
        assertEquals(submitter.getSpanId(), hex(attempt.getLinks(0).getSpanId()));
        assertEquals("vendor=abc", attempt.getLinks(0).getTraceState());
    }

    @Test
    void theLinkSurvivesInThePostgresStoreFromTheReplicaThatTookTheJobToTheOneThatRunsIt() throws Exception {
        String url = TestPostgres.freshSchema("weft_trace_test");
        Function<String, PostgresJobStore> store = name -> new PostgresJobStore(
                TestPostgres.options(url, name, Duration.ofSeconds(30), 100, 2), new SimpleMeterRegistry());
        // Replica a only takes submissions (its workers never start); replica b runs the job.
        PostgresJobStore storeA = store.apply("a");
        storeA.open();
        WorkerService a = worker(storeA, flaky());
        WorkerService b = worker(store.apply("b"), flaky());
        SpanContext submitter = submitterSpan();
        UUID id = assertInstanceOf(WorkerService.Accepted.class, a.submit("flaky", JsonNodeFactory.instance.objectNode(), null,
                io.opentelemetry.context.Context.root().with(Span.wrap(submitter)))).job().id();
        try (Connection c = DriverManager.getConnection(url);
             PreparedStatement ps = c.prepareStatement("SELECT trace_context::text FROM weft_jobs WHERE id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                JsonNode stored = new com.fasterxml.jackson.databind.ObjectMapper().readTree(rs.getString(1));
                assertEquals("00-" + submitter.getTraceId() + "-" + submitter.getSpanId() + "-01", stored.get("traceparent").asText());
                assertEquals("vendor=abc", stored.get("tracestate").asText());
            }
        }
        b.start();
        awaitState(b, id, JobState.SUCCEEDED);
        assertEquals(JOB_FIELDS, fields(b.job(id).orElseThrow().toJson()));

        List<io.opentelemetry.proto.trace.v1.Span> attempts = named(receiver.await(s -> named(s, "process flaky").size() == 2, LIVENESS),
                "process flaky");
        for (io.opentelemetry.proto.trace.v1.Span attempt : attempts) {
            assertEquals(submitter.getTraceId(), hex(attempt.getLinks(0).getTraceId()), "linked across replicas");
            assertEquals(submitter.getSpanId(), hex(attempt.getLinks(0).getSpanId()));
            assertEquals(id.toString(), attribute(attempt, "messaging.message.id"));
        }
        assertEquals(Set.of(1L, 2L), Set.copyOf(attempts.stream().map(s -> intAttribute(s, "weft.job.attempt")).toList()),
                "the attempt count holds across the retry through the store");
    }

    /** A submitting span with a tracestate, as a request whose client sent one would have. */
    private SpanContext submitterSpan() {
        SpanContext remote = SpanContext.createFromRemoteParent(TRACE_ID, CLIENT_SPAN_ID, TraceFlags.getSampled(),
                TraceState.builder().put("vendor", "abc").build());
        Span span = sdk.getTracer("test").spanBuilder("submit")
                .setParent(io.opentelemetry.context.Context.root().with(Span.wrap(remote))).startSpan();
        span.end();
        return span.getSpanContext();
    }

    private static Set<String> fields(JsonNode job) {
        Set<String> names = new java.util.HashSet<>();
        job.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static List<io.opentelemetry.proto.trace.v1.Span> named(List<io.opentelemetry.proto.trace.v1.Span> spans, String name) {
        return spans.stream().filter(s -> s.getName().equals(name)).toList();
    }

    private static AnyValue value(io.opentelemetry.proto.trace.v1.Span span, String key) {
        return span.getAttributesList().stream().filter(a -> a.getKey().equals(key)).map(KeyValue::getValue)
                .findFirst().orElse(AnyValue.getDefaultInstance());
    }

    private static String attribute(io.opentelemetry.proto.trace.v1.Span span, String key) {
        return value(span, key).getStringValue();
    }

    private static long intAttribute(io.opentelemetry.proto.trace.v1.Span span, String key) {
        return value(span, key).getIntValue();
    }

    private static String hex(com.google.protobuf.ByteString bytes) {
        return HexFormat.of().formatHex(bytes.toByteArray());
    }
}
