package dev.weft.launcher;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import org.apache.logging.log4j.core.util.ContextDataProvider;

import java.util.Map;

/**
 * Gives every log event written while a span is current on its thread (a request's handler, see
 * {@code dev.weft.http.Tracing}) the context data {@code trace_id} and {@code span_id}: {@code
 * %X{trace_id}} in the text layout, {@code trace.id}/{@code span.id} in the ECS JSON. Log4j2 finds
 * it through {@code META-INF/services}; with tracing off no span is ever current and it adds
 * nothing.
 */
public final class TraceContextData implements ContextDataProvider {

    @Override
    public Map<String, String> supplyContextData() {
        SpanContext span = Span.current().getSpanContext();
        if (!span.isValid()) {
            return Map.of();
        }
        return Map.of("trace_id", span.getTraceId(), "span_id", span.getSpanId());
    }
}
