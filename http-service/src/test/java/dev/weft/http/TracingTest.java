package dev.weft.http;

import dev.weft.patterns.Context;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.tracer.otel.OpenTelemetrySpanContext;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The spans of the API server, exported by the real OpenTelemetry SDK over OTLP/HTTP to a
 * receiver in the test that decodes them with the official protobuf classes.
 */
class TracingTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN_ID = "00f067aa0ba902b7";

    private OtlpReceiver receiver;
    private UpstreamStub stub;
    private OpenTelemetrySdk sdk;
    private ApiServer server;

    @BeforeEach
    void start() throws Exception {
        receiver = new OtlpReceiver();
        stub = new UpstreamStub();
        sdk = receiver.sdk("weft-test");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Context.background());
        }
        sdk.getSdkTracerProvider().forceFlush().join(10, TimeUnit.SECONDS);
        sdk.close();
        stub.close();
        receiver.close();
    }

    private int start(Upstream... upstreams) {
        return start(new SimpleMeterRegistry(), upstreams);
    }

    private int start(MeterRegistry registry, Upstream... upstreams) {
        server = ApiServer.builder().host("127.0.0.1").port(0).registry(registry)
                .aggregation(new Aggregation(Duration.ofSeconds(10), Duration.ofSeconds(20), 8, List.of(upstreams)))
                .tracing(Tracing.of(sdk))
                .build();
        server.start();
        return server.port();
    }

    @Test
    void fanOutIsOneServerSpanWithAConcurrentClientSpanPerUpstreamAndErrorsMarked() throws Exception {
        // Each upstream holds its answer for a second, far longer than starting the calls takes.
        int port = start(demo("a", "delay=1s"), demo("b", "delay=1s"), demo("c", "delay=1s"), demo("d", "status=500"));
        given().port(port).header("traceparent", "00-" + TRACE_ID + "-" + CLIENT_SPAN_ID + "-01")
                .get("/api/v1/aggregate?mode=partial").then().statusCode(200);

        List<Span> spans = receiver.await(s -> named(s, "GET /api/v1/aggregate").size() == 1 && clientSpans(s).size() == 4, WAIT);
        Span request = named(spans, "GET /api/v1/aggregate").getFirst();
        assertEquals(TRACE_ID, hex(request.getTraceId().toByteArray()), "the client's trace continues");
        assertEquals(CLIENT_SPAN_ID, hex(request.getParentSpanId().toByteArray()), "the client's span is the parent");
        assertEquals(Span.SpanKind.SPAN_KIND_SERVER, request.getKind());
        assertEquals("/api/v1/aggregate", attribute(request, "http.route"));
        List<Span> calls = clientSpans(spans);
        assertEquals(List.of("GET a", "GET b", "GET c", "GET d"), calls.stream().map(Span::getName).sorted().toList(),
                "one span per upstream");
        for (Span call : calls) {
            assertEquals(request.getTraceId(), call.getTraceId());
            assertEquals(request.getSpanId(), call.getParentSpanId(), call.getName() + " is a child of the request span");
        }
        List<Span> slow = calls.stream().filter(c -> !c.getName().equals("GET d")).toList();
        long lastStart = slow.stream().mapToLong(Span::getStartTimeUnixNano).max().orElseThrow();
        long firstEnd = slow.stream().mapToLong(Span::getEndTimeUnixNano).min().orElseThrow();
        assertTrue(lastStart < firstEnd, "the slow calls' spans overlap: they ran concurrently");
        for (Span ok : slow) {
            assertEquals(Status.StatusCode.STATUS_CODE_UNSET, ok.getStatus().getCode(), ok.getName());
        }
        Span failed = named(calls, "GET d").getFirst();
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, failed.getStatus().getCode());
        assertEquals("upstream answered 500", failed.getStatus().getMessage());
        assertEquals("http_error", attribute(failed, "error.type"));
        assertEquals(List.of("weft-test"), receiver.serviceNames().stream().distinct().toList());
    }

    @Test
    void traceparentReachesTheDemoUpstreamWhoseSpanIsAChildOfTheCall() throws Exception {
        int port = start(demo("alpha", "delay=0"));
        given().port(port).get("/api/v1/aggregate").then().statusCode(200);

        List<Span> spans = receiver.await(s -> named(s, "GET /api/v1/demo/upstream/{name}").size() == 1
                && named(s, "GET /api/v1/aggregate").size() == 1, WAIT);
        Span aggregate = named(spans, "GET /api/v1/aggregate").getFirst();
        assertTrue(aggregate.getParentSpanId().isEmpty(), "no traceparent from the client: a new trace");
        Span call = named(spans, "GET alpha").getFirst();
        Span demo = named(spans, "GET /api/v1/demo/upstream/{name}").getFirst();
        assertEquals(aggregate.getSpanId(), call.getParentSpanId());
        assertEquals(call.getSpanId(), demo.getParentSpanId(), "the demo route read the call's traceparent");
        assertEquals(aggregate.getTraceId(), demo.getTraceId());
    }

    @Test
    void aCancelledCallsSpanEndsWithTheCancellationStatus() throws Exception {
        int port = start(new Upstream("fails", stub.url("/fail-after-hang")), new Upstream("hangs", stub.url("/hang")));
        given().port(port).get("/api/v1/aggregate").then().statusCode(502);

        List<Span> spans = receiver.await(s -> named(s, "GET /api/v1/aggregate").size() == 1 && clientSpans(s).size() == 2, WAIT);
        Span hangs = named(spans, "GET hangs").getFirst();
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, hangs.getStatus().getCode());
        assertEquals("cancelled", hangs.getStatus().getMessage());
        assertEquals("cancelled", attribute(hangs, "error.type"));
        Span fails = named(spans, "GET fails").getFirst();
        assertEquals("http_error", attribute(fails, "error.type"));
        Span aggregate = named(spans, "GET /api/v1/aggregate").getFirst();
        assertEquals(Status.StatusCode.STATUS_CODE_ERROR, aggregate.getStatus().getCode(), "a 502 marks the request span");
        assertEquals(502L, aggregate.getAttributesList().stream()
                .filter(a -> a.getKey().equals("http.response.status_code")).findFirst().orElseThrow().getValue().getIntValue());
    }

    @Test
    void theRequestHistogramCarriesTheRequestSpanAsAnExemplarInOpenMetrics() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(),
                Clock.SYSTEM, new OpenTelemetrySpanContext());
        int port = start(registry);
        given().port(port).get("/api/v1/hello").then().statusCode(200);

        Span hello = named(receiver.await(s -> named(s, "GET /api/v1/hello").size() == 1, WAIT), "GET /api/v1/hello").getFirst();
        String openMetrics = registry.scrape("application/openmetrics-text; version=1.0.0; charset=utf-8");
        Pattern exemplar = Pattern.compile("^http_server_requests_seconds_bucket\\{[^}]*uri=\"/api/v1/hello\"[^}]*} \\S+ # \\{([^}]*)}",
                Pattern.MULTILINE);
        Matcher m = exemplar.matcher(openMetrics);
        assertTrue(m.find(), "an exemplar on a bucket of the hello route's histogram:\n" + openMetrics);
        String labels = m.group(1);
        assertTrue(labels.contains("trace_id=\"" + hex(hello.getTraceId().toByteArray()) + "\""), labels);
        assertTrue(labels.contains("span_id=\"" + hex(hello.getSpanId().toByteArray()) + "\""), labels);
        assertFalse(registry.scrape().contains("trace_id"), "the classic text format carries no exemplars");
    }

    /** The server's own demo upstream route, called through {@value Upstream#SELF}. */
    private static Upstream demo(String name, String query) {
        return new Upstream(name, "http://" + Upstream.SELF + "/api/v1/demo/upstream/" + name + "?" + query);
    }

    private static List<Span> named(List<Span> spans, String name) {
        return spans.stream().filter(s -> s.getName().equals(name)).toList();
    }

    private static List<Span> clientSpans(List<Span> spans) {
        Predicate<Span> client = s -> s.getKind() == Span.SpanKind.SPAN_KIND_CLIENT;
        return spans.stream().filter(client).toList();
    }

    private static String attribute(Span span, String key) {
        return span.getAttributesList().stream().filter(a -> a.getKey().equals(key))
                .map(KeyValue::getValue).map(v -> v.getStringValue()).findFirst().orElse(null);
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
