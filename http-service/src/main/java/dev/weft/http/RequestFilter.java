package dev.weft.http;

import dev.weft.patterns.RateLimiter;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps every routed request: its {@link RequestIds request id}, its server span (when {@link
 * Tracing} is on), the header size limit (431), admission (global rate limit → 429, concurrency
 * limit → 503, both with {@code Retry-After}) and metrics.
 *
 * <p>Metrics: {@code http_server_requests_seconds{method,uri,status,outcome}} (see {@link
 * RequestMetrics}; {@code uri} is the route template such as {@code /api/v1/jobs/{id}}), {@code
 * http_server_requests_in_flight}, and {@code http_server_requests_rejected_total{reason}}.
 */
final class RequestFilter implements Filter {

    /**
     * Classifier of a flag an error handler registers in the request context when the connection
     * cannot carry another request (its body could not be framed): the filter then closes it once
     * the answer is written. Helidon 4.5 would otherwise parse the body's leftover bytes as the
     * next request and answer them too.
     */
    static final Object CLOSE_CONNECTION = new Object();
    /** Classifier of a {@code uri} tag value that the fallback route registers in the request context. */
    static final Object ROUTE = new Object();

    private final RequestMetrics metrics;
    private final Semaphore slots;
    private final RateLimiter limiter;
    private final int retryAfterSeconds;
    /** Strongly held here: Micrometer keeps only a weak reference to a gauge's object. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter rejectedConcurrency;
    private final Counter rejectedRate;
    private final Tracing tracing;

    /**
     * @param maxConcurrent most requests routed at once
     * @param limiter       the global rate limit, or null for none
     */
    RequestFilter(RequestMetrics metrics, int maxConcurrent, RateLimiter limiter, Tracing tracing) {
        this.metrics = metrics;
        this.tracing = tracing;
        MeterRegistry registry = metrics.registry();
        this.slots = new Semaphore(maxConcurrent);
        this.limiter = limiter;
        this.retryAfterSeconds = limiter == null ? 1 : (int) Math.max(1, Math.ceil(1 / limiter.rate()));
        Gauge.builder("http.server.requests.in.flight", inFlight, AtomicInteger::get)
                .description("Requests being routed now")
                .register(registry);
        this.rejectedConcurrency = rejected("concurrency");
        this.rejectedRate = rejected("rate_limit");
    }

    private Counter rejected(String reason) {
        return Counter.builder("http.server.requests.rejected")
                .description("Requests refused before routing")
                .tag("reason", reason)
                .register(metrics.registry());
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        RequestIds.assign(req, res);
        String method = req.prologue().method().text();
        Span span = tracing.enabled() ? tracing.startServer(method, req.headers()) : null;
        inFlight.incrementAndGet();
        // Current until the duration is recorded (the finally below): the exemplar sampler of the
        // request histogram reads the current span, and closing the scope first would hide it.
        Scope current = span == null ? null : span.makeCurrent();
        try {
            if (span != null) {
                req.context().register(Tracing.REQUEST_CLASSIFIER, io.opentelemetry.context.Context.current());
            }
            if (HeaderLimit.exceeded(req.headers())) {
                Problem.forStatus(HeaderLimit.STATUS,
                        "the request headers are larger than " + HeaderLimit.MAX_BYTES + " bytes").send(req, res);
                return;
            }
            if (limiter != null && !limiter.allow()) {
                rejectedRate.increment();
                res.header(HeaderNames.RETRY_AFTER, String.valueOf(retryAfterSeconds));
                Problem.forStatus(Status.TOO_MANY_REQUESTS_429, "the request rate limit is exceeded; retry later").send(req, res);
                return;
            }
            if (!slots.tryAcquire()) {
                rejectedConcurrency.increment();
                res.header(HeaderNames.RETRY_AFTER, "1");
                Problem.of("overloaded", "Too many concurrent requests", Status.SERVICE_UNAVAILABLE_503,
                        "the server is at its concurrent request limit; retry later").send(req, res);
                return;
            }
            try {
                chain.proceed();
            } finally {
                slots.release();
            }
        } finally {
            inFlight.decrementAndGet();
            String uri = route(req);
            int status = res.status().code();
            metrics.record(method, uri, status, System.nanoTime() - start);
            if (span != null) {
                current.close();
                Tracing.endServer(span, method, uri, status);
            }
        }
        if (req.context().get(CLOSE_CONNECTION, Boolean.class).orElse(false)) {
            // Helidon lets this exception through its error handling and closes the socket.
            throw new CloseConnectionException("the request body could not be framed");
        }
    }

    /** {@code rules.post("/", ...)} in a service mounted at {@code /x} matches as {@code /x/}; tag it {@code /x}. */
    private static String withoutTrailingSlash(String pattern) {
        return pattern.length() > 1 && pattern.endsWith("/") ? pattern.substring(0, pattern.length() - 1) : pattern;
    }

    /** The route template the request matched, the {@code uri} tag and the span's name. */
    private static String route(RoutingRequest req) {
        return req.context().get(ROUTE, String.class)
                .or(() -> req.matchingPattern().filter(p -> !p.isEmpty()).map(RequestFilter::withoutTrailingSlash))
                .orElse(RequestMetrics.UNKNOWN);
    }
}
