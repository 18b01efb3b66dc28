package dev.weft.worker;

import dev.weft.patterns.Context;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The worker's OpenTelemetry spans: one span per job attempt, linked to the span of the request
 * that submitted the job.
 *
 * <p>At submission the submitter's span context is kept with the job as its W3C propagation
 * headers ({@code traceparent}, and {@code tracestate} when there is one), so that it survives in
 * a shared store to whichever replica claims the job. Each attempt then starts a span of its own
 * trace, with a <em>link</em> to the submitter, not a parent: an attempt may run minutes later, on
 * another pod, several times. It follows OpenTelemetry's messaging conventions for a "process"
 * operation: kind {@link SpanKind#CONSUMER}, named {@code process <type>}, {@code
 * messaging.operation.type=process}, {@code messaging.destination.name} the job type, {@code
 * messaging.message.id} the job id, and {@code weft.job.attempt} the attempt number.
 *
 * <p>The attempt's trace context travels in Weft's {@link Context} values under {@link #KEY} (the
 * attempt's context and its children, on any thread); the attempt's threads also have the span
 * current while they run, so that log lines carry its ids. {@link #OFF} does nothing: no span, no
 * header kept. Thread-safe.
 */
public final class JobTracing {

    /** The trace context of the attempt running, in the {@link Context} a handler is given. */
    public static final Context.Key<io.opentelemetry.context.Context> KEY = Context.Key.named("otel-job-context");

    /** No tracing: nothing is kept with a job and attempts make no span. */
    public static final JobTracing OFF = new JobTracing(null);

    private static final String SCOPE = "dev.weft.worker";

    private final TextMapPropagator propagator;
    private final Tracer tracer;

    private JobTracing(OpenTelemetry otel) {
        this.propagator = otel == null ? null : otel.getPropagators().getTextMapPropagator();
        this.tracer = otel == null ? null : otel.getTracer(SCOPE);
    }

    /** Spans made with {@code otel}'s tracer provider; submitters' contexts kept with its propagators. */
    public static JobTracing of(OpenTelemetry otel) {
        return new JobTracing(Objects.requireNonNull(otel, "otel"));
    }

    /**
     * The propagation headers of the span in {@code submitter}, to keep with the job; null when
     * tracing is off or there is no valid span.
     */
    Map<String, String> capture(io.opentelemetry.context.Context submitter) {
        if (tracer == null || submitter == null || !Span.fromContext(submitter).getSpanContext().isValid()) {
            return null;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        propagator.inject(submitter, headers, Map::put);
        return headers.isEmpty() ? null : Map.copyOf(headers);
    }

    /** Starts the span of attempt {@code attempt} of {@code c}, linked to its submitter if known; null when off. */
    Span startAttempt(JobStore.Claim c, int attempt) {
        if (tracer == null) {
            return null;
        }
        SpanBuilder span = tracer.spanBuilder("process " + c.type())
                .setNoParent()
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute("messaging.system", "weft")
                .setAttribute("messaging.operation.type", "process")
                .setAttribute("messaging.destination.name", c.type())
                .setAttribute("messaging.message.id", c.id().toString())
                .setAttribute("weft.job.attempt", attempt);
        if (c.traceContext() != null) {
            SpanContext submitter = Span.fromContext(propagator.extract(io.opentelemetry.context.Context.root(),
                    c.traceContext(), HEADERS)).getSpanContext();
            if (submitter.isValid()) {
                span.addLink(submitter);
            }
        }
        return span.startSpan();
    }

    /**
     * Ends an attempt's span: {@code errorType} null for a success, else the span is an error
     * whose description is {@code reason} and whose {@code error.type} is {@code errorType}.
     */
    static void endAttempt(Span span, String errorType, String reason) {
        if (span == null) {
            return;
        }
        if (errorType != null) {
            span.setAttribute("error.type", errorType);
            span.setStatus(StatusCode.ERROR, reason);
        }
        span.end();
    }

    private static final TextMapGetter<Map<String, String>> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };
}
