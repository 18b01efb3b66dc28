package dev.weft.http;

import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Context;
import io.helidon.http.BadRequestException;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@link Context} of one request to the public API, for any handler that blocks or calls out:
 * pass it to {@link UpstreamClient}, {@link FanOut}, or anything else that honours a context.
 *
 * <pre>{@code
 * Context ctx = RequestContext.of(req, Duration.ofSeconds(2));
 * }</pre>
 *
 * <p>It is done, with the matching {@link Context#err()}, when the first of these happens:
 * <ul>
 *   <li>its deadline passes: the route's default timeout, or what the client asks for in the
 *       {@value #TIMEOUT_HEADER} header (integer milliseconds, {@code 500ms} or {@code 2s}),
 *       clamped to the route's maximum ({@link dev.weft.patterns.DeadlineExceededException});</li>
 *   <li>the server's shutdown budget ends ({@link ApiServer#lifetime()});</li>
 *   <li>the exchange ends: the handler has returned, or it failed because the client went away.
 *       Helidon reports a vanished client to a handler only when it writes; on HTTP/1.1 nothing
 *       reads the connection while the handler runs, so the deadline is what bounds work for a
 *       client that left.</li>
 * </ul>
 *
 * <p>With {@link Tracing} on, it carries the request's trace context under {@link Tracing#KEY}, so
 * that {@link UpstreamClient} calls made with it, or with a context derived from it, on any thread,
 * are children of the request's span.
 *
 * <p>The first call during a request fixes the deadline; later calls in the same request return
 * the same context whatever they pass. A malformed or zero {@value #TIMEOUT_HEADER} is the
 * client's fault: a {@link BadRequestException} (400 problem) naming the header. Only handlers of an
 * {@link ApiServer} have one; elsewhere {@code of} throws {@link IllegalStateException}.
 * Thread-safe.
 */
public final class RequestContext {

    /** The request header in which a client asks for a shorter (or, up to the route's maximum, longer) deadline. */
    public static final String TIMEOUT_HEADER = "X-Request-Timeout";
    private static final HeaderName TIMEOUT = HeaderNames.create(TIMEOUT_HEADER);

    /** What the filter leaves in Helidon's request context: the parent, and the context once made. */
    private static final class Scope {
        private final Context lifetime;
        private CancelContext context;

        Scope(Context lifetime) {
            this.lifetime = lifetime;
        }

        synchronized Context get(Duration timeout) {
            if (context == null) {
                context = timeout == null ? Context.withCancel(lifetime) : Context.withTimeout(lifetime, timeout);
            }
            return context;
        }

        synchronized void end() {
            if (context != null) {
                context.cancel();
            }
        }
    }

    private RequestContext() {
    }

    /**
     * The request's context with no deadline of the route's own: done at shutdown or when the
     * exchange ends, or at the deadline the client asks for in {@value #TIMEOUT_HEADER}, if any.
     */
    public static Context of(ServerRequest req) {
        return scope(req).get(askedTimeout(req));
    }

    /** The request's context with deadline {@code timeout}, which {@value #TIMEOUT_HEADER} may shorten but not lengthen. */
    public static Context of(ServerRequest req, Duration timeout) {
        return of(req, timeout, timeout);
    }

    /**
     * The request's context with deadline {@code timeout}, or what {@value #TIMEOUT_HEADER} asks
     * for, clamped to {@code maxTimeout}.
     */
    public static Context of(ServerRequest req, Duration timeout, Duration maxTimeout) {
        return scope(req).get(timeout(req, timeout, maxTimeout));
    }

    /**
     * The timeout this request gets: {@value #TIMEOUT_HEADER} clamped to {@code maxTimeout}, else
     * {@code timeout}. For handlers that need the figure itself (to key a cache, to report it).
     *
     * @throws BadRequestException if the header is malformed or zero
     */
    public static Duration timeout(ServerRequest req, Duration timeout, Duration maxTimeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (maxTimeout.compareTo(timeout) < 0) {
            throw new IllegalArgumentException("need timeout <= maxTimeout, got " + timeout + " and " + maxTimeout);
        }
        Duration asked = askedTimeout(req);
        if (asked == null) {
            return timeout;
        }
        return asked.compareTo(maxTimeout) > 0 ? maxTimeout : asked;
    }

    private static Duration askedTimeout(ServerRequest req) {
        var header = req.headers().first(TIMEOUT);
        if (header.isEmpty()) {
            return null;
        }
        Duration asked = Timeouts.parse(header.get());
        if (asked == null || asked.isZero()) {
            throw new BadRequestException(TIMEOUT_HEADER + " must be positive integer milliseconds, or like 500ms or 2s");
        }
        return asked;
    }

    private static Scope scope(ServerRequest req) {
        return req.context().get(Scope.class, Scope.class)
                .orElseThrow(() -> new IllegalStateException("RequestContext.of: not a request of an ApiServer"));
    }

    /**
     * The filter that gives every request its scope below {@code lifetime} and ends it with the
     * exchange; with {@code tracing} on, the request's span travels as a value of every context
     * made below it (with tracing off the filter does not even look for one).
     */
    static Filter filter(Context lifetime, Tracing tracing) {
        boolean traced = tracing.enabled();
        return (FilterChain chain, RoutingRequest req, RoutingResponse res) -> {
            Context parent = !traced ? lifetime : req.context()
                    .get(Tracing.REQUEST_CLASSIFIER, io.opentelemetry.context.Context.class)
                    .<Context>map(trace -> Context.withValue(lifetime, Tracing.KEY, trace))
                    .orElse(lifetime);
            Scope scope = new Scope(parent);
            req.context().register(Scope.class, scope);
            try {
                chain.proceed();
            } finally {
                scope.end();
            }
        };
    }
}
