package dev.weft.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code http_server_requests_seconds{method,uri,status,outcome}}: every answer of the public API,
 * routed or refused before routing. No tag takes a value the client chooses freely, since each new
 * value opens a histogram's worth of series: {@code method} is one of RFC 9110's methods or
 * {@code OTHER} (methods are case-sensitive, so {@code get} is {@code OTHER} too), {@code uri} is
 * a route template or one of the fixed words below, {@code status} is a code the server chose.
 *
 * <p>{@code outcome} says whose fault a failure is: {@code CLIENT_ERROR} for 4xx, {@code
 * SERVER_ERROR} for 5xx, except for the two 5xx that RFC 9110 prescribes when Helidon refuses what
 * a client sent before routing (505 for HTTP/1.0, 501 for a transfer coding it does not
 * implement): those are {@code CLIENT_ERROR}, so that no client can move the server-error ratio.
 */
final class RequestMetrics {

    /** The {@code uri} of requests answered by the fallback route: no route has the path. */
    static final String NOT_FOUND = "NOT_FOUND";
    /** The {@code uri} of requests whose path exists but not for their method. */
    static final String METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED";
    /** The {@code uri} of requests refused before routing (malformed, or by admission). */
    static final String UNKNOWN = "UNKNOWN";

    private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
            "TRACE", "CONNECT");

    private final MeterRegistry registry;

    RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    MeterRegistry registry() {
        return registry;
    }

    /** A routed request. */
    void record(String method, String uri, int status, long nanos) {
        record(method, uri, status, outcome(status), nanos);
    }

    /** A request Helidon refused before routing: it has no route, and took no handler time. */
    void recordRefused(String method, int status) {
        boolean protocolRefusal = status == 501 || status == 505;
        record(method, UNKNOWN, status, protocolRefusal ? "CLIENT_ERROR" : outcome(status), 0);
    }

    private void record(String method, String uri, int status, String outcome, long nanos) {
        Timer.builder("http.server.requests")
                .description("HTTP requests to the public API")
                .tag("method", method(method))
                .tag("uri", uri)
                .tag("status", String.valueOf(status))
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    static String method(String method) {
        return METHODS.contains(method) ? method : "OTHER";
    }

    private static String outcome(int status) {
        return status >= 500 ? "SERVER_ERROR" : status >= 400 ? "CLIENT_ERROR" : "SUCCESS";
    }
}
