package dev.weft.http;

import dev.weft.patterns.Context;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerRequestHeaders;

import java.net.http.HttpRequest;
import java.util.Optional;

/**
 * The server's OpenTelemetry spans: one server span per request, named after its route template,
 * and one client span per {@link UpstreamClient} call, a child of the request's span.
 *
 * <p>The request's trace context travels in Weft's {@link Context} values under {@link #KEY} (in
 * every {@link RequestContext#of} context and its children), not in a ThreadLocal, so a call made
 * on another virtual thread, e.g. by {@link FanOut}, still finds its parent. The request's own
 * thread also has the span current (OpenTelemetry's ThreadLocal) while its handler runs, so that
 * log lines can carry its ids.
 *
 * <p>W3C {@code traceparent}/{@code tracestate} are read from the request and written to
 * upstreams, with the propagators of the {@link OpenTelemetry} given. {@link #OFF} does nothing at
 * all: no span, no header, no lookup. Thread-safe.
 */
public final class Tracing {

    /** The request's trace context in a Weft {@link Context}. */
    public static final Context.Key<io.opentelemetry.context.Context> KEY = Context.Key.named("otel-context");

    /**
     * The classifier under which a traced request's OpenTelemetry context is in Helidon's request
     * context ({@code req.context()}) while it is routed: OpenTelemetry's own type, so that routes of
     * modules that do not depend on this one (the job API) find it with {@code
     * req.context().get(io.opentelemetry.context.Context.class, io.opentelemetry.context.Context.class)}.
     */
    static final Class<io.opentelemetry.context.Context> REQUEST_CLASSIFIER = io.opentelemetry.context.Context.class;

    /** No tracing: the server adds no filter work and the clients no header. */
    public static final Tracing OFF = new Tracing(null);

    private static final String SCOPE = "dev.weft.http";

    private final OpenTelemetry otel;
    private final Tracer tracer;

    private Tracing(OpenTelemetry otel) {
        this.otel = otel;
        this.tracer = otel == null ? null : otel.getTracer(SCOPE);
    }

    /** Spans made with {@code otel}'s tracer provider and propagated with its propagators. */
    public static Tracing of(OpenTelemetry otel) {
        return new Tracing(java.util.Objects.requireNonNull(otel, "otel"));
    }

    /** Whether spans are made at all. */
    public boolean enabled() {
        return otel != null;
    }

    /** Starts the server span of a request, a child of the client's {@code traceparent} if it sent a valid one. */
    Span startServer(String method, ServerRequestHeaders headers) {
        io.opentelemetry.context.Context parent = otel.getPropagators().getTextMapPropagator()
                .extract(io.opentelemetry.context.Context.root(), headers, HEADERS);
        // Named after the method until routing has found the route template (see endServer).
        return tracer.spanBuilder(method)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", method)
                .startSpan();
    }

    /** Ends a server span: named {@code METHOD /route/{template}}, a 5xx marks it an error. */
    static void endServer(Span span, String method, String route, int status) {
        span.updateName(method + " " + route);
        span.setAttribute("http.route", route);
        span.setAttribute("http.response.status_code", status);
        if (status >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }

    /**
     * Starts the client span of a call to {@code upstream}, a child of the span in {@code ctx}, and
     * adds its {@code traceparent} to {@code request}. Null when tracing is off or {@code ctx}
     * carries no trace (a call outside a request).
     */
    Span startClient(Context ctx, Upstream upstream, HttpRequest.Builder request) {
        if (otel == null) {
            return null;
        }
        Optional<io.opentelemetry.context.Context> parent = ctx.value(KEY);
        if (parent.isEmpty()) {
            return null;
        }
        Span span = tracer.spanBuilder("GET " + upstream.name())
                .setParent(parent.get())
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("http.request.method", "GET")
                .setAttribute("weft.upstream", upstream.name())
                .startSpan();
        otel.getPropagators().getTextMapPropagator()
                .inject(parent.get().with(span), request, SETTER);
        return span;
    }

    /**
     * Ends a client span with the call's outcome: a failure, a timeout and a cancellation (the
     * deadline passed, a sibling failed, shutdown) each end it with an error status whose
     * description is the reason, and {@code error.type} is the outcome.
     */
    static void endClient(Span span, UpstreamClient.Result result) {
        if (span == null) {
            return;
        }
        if (result.status() != null) {
            span.setAttribute("http.response.status_code", result.status());
        }
        if (!result.ok()) {
            span.setAttribute("error.type", result.outcome().name().toLowerCase(java.util.Locale.ROOT));
            span.setStatus(StatusCode.ERROR, result.error());
        }
        span.end();
    }

    private static final TextMapGetter<ServerRequestHeaders> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(ServerRequestHeaders carrier) {
            return carrier.stream().map(h -> h.name()).toList();
        }

        @Override
        public String get(ServerRequestHeaders carrier, String key) {
            if (carrier == null) {
                return null;
            }
            HeaderName name = HeaderNames.create(key);
            return carrier.first(name).orElse(null);
        }
    };

    private static final TextMapSetter<HttpRequest.Builder> SETTER = (carrier, key, value) -> carrier.header(key, value);
}
