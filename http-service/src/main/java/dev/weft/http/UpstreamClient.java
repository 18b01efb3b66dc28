package dev.weft.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.patterns.Context;
import dev.weft.patterns.DeadlineExceededException;
import dev.weft.patterns.OnceValue;
import dev.weft.patterns.WeftThreads;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A named client for upstream HTTP calls, each bounded by a {@link Context}: when the context is
 * done (deadline, shutdown, a failed sibling) or the calling thread is interrupted, the exchange is
 * aborted and its connection closed, so the upstream sees the cancellation. Built on the JDK's
 * {@link HttpClient} (HTTP/1.1, no redirects).
 *
 * <p>Each client has its own metric, named after it: client {@code orders} times every call in
 * {@code http_orders_upstream_seconds{upstream,outcome}} (so the aggregate route's client, {@code
 * aggregate}, records {@code http_aggregate_upstream_seconds}). {@code upstream} is the {@link
 * Upstream}'s name, never its URL, so the series stay few.
 *
 * <p>With {@link Tracing} on, a call made with a request's context is a client span, child of the
 * request's span, and sends W3C {@code traceparent}/{@code tracestate}.
 *
 * <p>Get one from {@link ApiServer.Resources#client(String)} in a route factory: the server closes
 * it when it stops and resolves {@value Upstream#SELF} to its own address. {@link #create} makes
 * one for elsewhere (tests, jobs), which its creator closes. Thread-safe.
 */
public final class UpstreamClient implements AutoCloseable {

    /** Largest response body kept; a longer one fails the call, so a broken upstream cannot exhaust the heap. */
    public static final int MAX_BODY_BYTES = 1024 * 1024;

    /** How a call ended; the lower-case name is the metric's {@code outcome} tag. */
    public enum Outcome { SUCCESS, HTTP_ERROR, TIMEOUT, CANCELLED, ERROR }

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,31}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] NO_BODY = new byte[0];

    /**
     * The result of one call.
     *
     * @param name          the upstream's name
     * @param status        the upstream's HTTP status, or null if it never answered
     * @param latencyMillis from the call to its end
     * @param error         null on success, else for humans: why the call failed (no internals)
     * @param body          the response body, empty when there was none or the call failed
     */
    public record Result(String name, Outcome outcome, Integer status, long latencyMillis, String error, byte[] body) {

        /** Whether the upstream answered 2xx. */
        public boolean ok() {
            return outcome == Outcome.SUCCESS;
        }

        /** This result if {@link #ok()}, else throws it as an {@link UpstreamException} (502, 503 or 504). */
        public Result orThrow() {
            if (!ok()) {
                throw new UpstreamException(this);
            }
            return this;
        }

        /** The body parsed as JSON; an unparsable body is the upstream's fault, a 502. */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UpstreamException(new Result(name, Outcome.ERROR, status, latencyMillis, "answered malformed JSON", NO_BODY));
            }
        }
    }

    private final String name;
    private final ExecutorService executor;
    /**
     * Built on the first call: building a JDK HttpClient loads the whole TLS stack
     * ({@code SSLContext.getDefault()}, even for plain HTTP), which is start-up time.
     */
    private final OnceValue<HttpClient> client;
    private final MeterRegistry registry;
    private final Supplier<String> selfAuthority;
    private final Tracing tracing;

    UpstreamClient(String name, MeterRegistry registry, Supplier<String> selfAuthority, Tracing tracing) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("client name '" + name + "' must be 1-32 of a-z, 0-9 and '_', starting with a letter");
        }
        this.name = name;
        this.registry = registry;
        this.selfAuthority = selfAuthority;
        this.tracing = tracing;
        this.executor = Executors.newThreadPerTaskExecutor(WeftThreads.factory("http-client-" + name));
        this.client = OnceValue.of(() -> HttpClient.newBuilder()
                .executor(executor)
                // Plain HTTP/1.1: no h2c upgrade attempt against servers that do not speak HTTP/2.
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build());
    }

    /**
     * A client whose metric goes to {@code registry}. Upstream URLs must be absolute; {@value
     * Upstream#SELF} is only resolved for clients of an {@link ApiServer}.
     *
     * @param name 1-32 of {@code a-z}, {@code 0-9}, {@code _}, starting with a letter: it becomes part of the metric's name
     */
    public static UpstreamClient create(String name, MeterRegistry registry) {
        return new UpstreamClient(name, registry, () -> {
            throw new IllegalStateException(Upstream.SELF + " is only known to clients of an ApiServer");
        }, Tracing.OFF);
    }

    /** The client's name, as in its metric. */
    public String name() {
        return name;
    }

    /**
     * GETs {@code upstream} ({@code Accept: application/json}) and returns how it went; never
     * throws. Returns by the time {@code ctx} is done (plus the moment it takes to abort), or soon
     * after the calling thread is interrupted (then with the interrupt flag set again).
     */
    public Result get(Context ctx, Upstream upstream) {
        long start = System.nanoTime();
        Result r = exchange(ctx, upstream, start);
        Timer.builder("http." + name + ".upstream")
                .description("Calls of upstream client " + name)
                .tag("upstream", upstream.name())
                .tag("outcome", r.outcome().name())
                .register(registry)
                .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        return r;
    }

    private Result exchange(Context ctx, Upstream upstream, long start) {
        if (ctx.isDone()) {
            return ended(ctx, upstream, start);
        }
        URI uri = upstream.resolve(selfAuthority);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().header("Accept", "application/json");
        Span span = tracing.startClient(ctx, upstream, request);
        Result r = send(ctx, upstream, start, request);
        Tracing.endClient(span, r);
        return r;
    }

    private Result send(Context ctx, Upstream upstream, long start, HttpRequest.Builder request) {
        // The context aborts the exchange; the request timeout is only a backstop with the same bound.
        ctx.deadline().ifPresent(d -> request.timeout(positive(Duration.between(Instant.now(), d))));
        CompletableFuture<HttpResponse<byte[]>> response = client.get().sendAsync(request.build(),
                HttpResponse.BodyHandlers.limiting(HttpResponse.BodyHandlers.ofByteArray(), MAX_BODY_BYTES));
        Context.AfterFunc abortOnDone = ctx.afterFunc(() -> response.cancel(true));
        try {
            HttpResponse<byte[]> answer = response.get();
            int status = answer.statusCode();
            return status >= 200 && status < 300
                    ? new Result(upstream.name(), Outcome.SUCCESS, status, millisSince(start), null, answer.body())
                    : result(upstream, Outcome.HTTP_ERROR, status, start, "upstream answered " + status);
        } catch (InterruptedException e) {
            response.cancel(true);
            Thread.currentThread().interrupt();
            return result(upstream, Outcome.CANCELLED, null, start, "cancelled");
        } catch (CancellationException e) {
            return ended(ctx, upstream, start);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof HttpTimeoutException) {
                return result(upstream, Outcome.TIMEOUT, null, start, "deadline exceeded");
            }
            if (ctx.isDone()) {
                return ended(ctx, upstream, start);
            }
            return result(upstream, Outcome.ERROR, null, start, describe(cause));
        } finally {
            abortOnDone.stop();
        }
    }

    private static Result ended(Context ctx, Upstream upstream, long start) {
        return ctx.err() instanceof DeadlineExceededException
                ? result(upstream, Outcome.TIMEOUT, null, start, "deadline exceeded")
                : result(upstream, Outcome.CANCELLED, null, start, "cancelled");
    }

    private static Result result(Upstream upstream, Outcome outcome, Integer status, long start, String error) {
        return new Result(upstream.name(), outcome, status, millisSince(start), error, NO_BODY);
    }

    private static long millisSince(long start) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /** A one-line reason without internals: what kind of I/O failure, not its stack. */
    private static String describe(Throwable t) {
        if (t instanceof ConnectException) {
            return "connection refused";
        }
        if (t instanceof IOException && t.getMessage() != null && t.getMessage().startsWith("body exceeds capacity")) {
            return "answered more than " + MAX_BODY_BYTES + " bytes";
        }
        if (t instanceof IOException) {
            return "I/O error talking to upstream";
        }
        return "upstream call failed";
    }

    private static Duration positive(Duration d) {
        return d.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : d;
    }

    /** Aborts calls still running and waits briefly for the client's threads to end. */
    @Override
    public void close() {
        if (client.isDone()) {
            client.get().shutdownNow();
            try {
                client.get().awaitTermination(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        executor.shutdownNow();
        executor.close();
    }
}
