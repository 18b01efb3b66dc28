package dev.weft.launcher;

import dev.weft.http.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code tracing.*} keys, the SDK they start (or not), and the trace ids log lines get. */
class TracingSdkTest {

    @Test
    void offByDefaultWithNoSdk() throws Exception {
        Settings s = Settings.from(Settings.buildConfig(Map.of(), null, Map.of()));
        assertEquals(false, s.get(Catalogue.TRACING_ENABLED));
        assertEquals(URI.create("http://localhost:4318/v1/traces"), s.get(Catalogue.TRACING_ENDPOINT));
        assertEquals(1.0, s.get(Catalogue.TRACING_SAMPLE_RATIO));
        try (TracingSdk sdk = TracingSdk.start(false, s.get(Catalogue.TRACING_ENDPOINT), 1.0, "weft")) {
            assertSame(Tracing.OFF, sdk.tracing());
        }
    }

    @Test
    void onStartsTheSdk() {
        try (TracingSdk sdk = TracingSdk.start(true, URI.create("http://127.0.0.1:9/v1/traces"), 0.5, "weft")) {
            assertTrue(sdk.tracing().enabled());
        }
    }

    @Test
    void badValuesNameTheirKey() {
        List<Map<String, String>> bad = List.of(
                Map.of("tracing.enabled", "on"),
                Map.of("tracing.otlp.endpoint", "localhost:4318"),
                Map.of("tracing.otlp.endpoint", "grpc://collector:4317"),
                Map.of("tracing.otlp.endpoint", "http://"),
                Map.of("tracing.sample-ratio", "1.5"),
                Map.of("tracing.sample-ratio", "-0.1"),
                Map.of("tracing.sample-ratio", "half"),
                Map.of("tracing.sample-ratio", "NaN"));
        for (Map<String, String> override : bad) {
            String key = override.keySet().iterator().next();
            ConfigException e = assertThrows(ConfigException.class,
                    () -> Settings.from(Settings.buildConfig(override, null, Map.of())), override.toString());
            assertTrue(e.getMessage().startsWith("invalid configuration: " + key + ": "), e.getMessage());
            assertEquals(false, e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void logLinesInsideASpanOfTheSdkCarryItsIds() {
        TextLogFormatter text = new TextLogFormatter();
        java.util.logging.LogRecord record = new java.util.logging.LogRecord(java.util.logging.Level.INFO, "handled");
        assertFalse(text.format(record).contains("trace_id"), "no span current: nothing added");
        try (OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(SpanExporter.composite())).build()).build()) {
            Span span = sdk.getTracer("dev.weft.launcher.test").spanBuilder("request").startSpan();
            assertTrue(span.getSpanContext().isValid());
            try (Scope current = span.makeCurrent()) {
                assertTrue(text.format(record).contains(" trace_id=" + span.getSpanContext().getTraceId()
                        + " span_id=" + span.getSpanContext().getSpanId() + " - handled"), text.format(record));
            } finally {
                span.end();
            }
        }
        assertFalse(text.format(record).contains("trace_id"));
    }
}
