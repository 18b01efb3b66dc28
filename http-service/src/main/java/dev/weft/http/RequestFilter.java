package dev.weft.http;

import dev.weft.patterns.RateLimiter;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps every routed request: admission (global rate limit → 429, concurrency limit → 503, both
 * with {@code Retry-After}) and metrics.
 *
 * <p>Metrics: {@code http_server_requests_seconds{method,uri,status,outcome}} (a histogram; {@code
 * uri} is the route template such as {@code /api/v1/jobs/{id}}, {@code NOT_FOUND} for unknown
 * routes, {@code UNKNOWN} when the request was rejected before routing), {@code
 * http_server_requests_in_flight}, and {@code http_server_requests_rejected_total{reason}}.
 */
final class RequestFilter implements Filter {

    /** The {@code uri} tag of requests answered by the fallback route. */
    static final String NOT_FOUND = "NOT_FOUND";
    /** Classifier of a {@code uri} tag value that the fallback route registers in the request context. */
    static final Object ROUTE = new Object();

    private final MeterRegistry registry;
    private final Semaphore slots;
    private final RateLimiter limiter;
    private final int retryAfterSeconds;
    /** Strongly held here: Micrometer keeps only a weak reference to a gauge's object. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter rejectedConcurrency;
    private final Counter rejectedRate;

    /**
     * @param maxConcurrent most requests routed at once
     * @param limiter       the global rate limit, or null for none
     */
    RequestFilter(MeterRegistry registry, int maxConcurrent, RateLimiter limiter) {
        this.registry = registry;
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
                .register(registry);
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        long start = System.nanoTime();
        inFlight.incrementAndGet();
        try {
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
            record(req, res, System.nanoTime() - start);
        }
    }

    /** {@code rules.post("/", ...)} in a service mounted at {@code /x} matches as {@code /x/}; tag it {@code /x}. */
    private static String withoutTrailingSlash(String pattern) {
        return pattern.length() > 1 && pattern.endsWith("/") ? pattern.substring(0, pattern.length() - 1) : pattern;
    }

    private void record(RoutingRequest req, RoutingResponse res, long nanos) {
        int status = res.status().code();
        String uri = req.context().get(ROUTE, String.class)
                .or(() -> req.matchingPattern().filter(p -> !p.isEmpty()).map(RequestFilter::withoutTrailingSlash))
                .orElse("UNKNOWN");
        Timer.builder("http.server.requests")
                .description("HTTP requests to the public API")
                .tag("method", req.prologue().method().text())
                .tag("uri", uri)
                .tag("status", String.valueOf(status))
                .tag("outcome", status >= 500 ? "SERVER_ERROR" : status >= 400 ? "CLIENT_ERROR" : "SUCCESS")
                .publishPercentileHistogram()
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }
}
