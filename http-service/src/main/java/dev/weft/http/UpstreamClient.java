package dev.weft.http;

import dev.weft.patterns.Context;
import dev.weft.patterns.DeadlineExceededException;
import dev.weft.patterns.WeftThreads;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

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

/**
 * Real HTTP calls to upstreams with the JDK's {@link HttpClient}, each bounded by a {@link Context}:
 * when the context is done (deadline, shutdown, a failed sibling) or the calling thread is
 * interrupted, the exchange is aborted and its connection closed, so the upstream sees the
 * cancellation. Every call is timed in {@code http_aggregate_upstream_seconds{upstream,outcome}}.
 */
final class UpstreamClient implements AutoCloseable {

    /** How a call ended; the lower-case name is the metric's {@code outcome} tag. */
    enum Outcome { SUCCESS, HTTP_ERROR, TIMEOUT, CANCELLED, ERROR }

    /**
     * The result of one call.
     *
     * @param status the upstream's HTTP status, or null if it never answered
     * @param error  null on success, else for humans: why the call failed
     */
    record Result(String name, Outcome outcome, Integer status, long latencyMillis, String error) {
        boolean ok() {
            return outcome == Outcome.SUCCESS;
        }
    }

    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(WeftThreads.factory("http-client"));
    private final HttpClient client = HttpClient.newBuilder()
            .executor(executor)
            // Plain HTTP/1.1: no h2c upgrade attempt against servers that do not speak HTTP/2.
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final MeterRegistry registry;
    private final Supplier<String> selfAuthority;

    UpstreamClient(MeterRegistry registry, Supplier<String> selfAuthority) {
        this.registry = registry;
        this.selfAuthority = selfAuthority;
    }

    /**
     * Calls {@code upstream} with GET and returns how it went; never throws. Returns by the time
     * {@code ctx} is done (plus the moment it takes to abort), or soon after the calling thread is
     * interrupted (then with the interrupt flag set again).
     */
    Result call(Context ctx, Upstream upstream) {
        long start = System.nanoTime();
        Result r = exchange(ctx, upstream, start);
        Timer.builder("http.aggregate.upstream")
                .description("Calls to aggregate upstreams")
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
        URI uri = upstream.resolve(selfAuthority.get());
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().header("Accept", "application/json");
        // The context aborts the exchange; the request timeout is only a backstop with the same bound.
        ctx.deadline().ifPresent(d -> request.timeout(positive(Duration.between(Instant.now(), d))));
        CompletableFuture<HttpResponse<Void>> response = client.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding());
        Context.AfterFunc abortOnDone = ctx.afterFunc(() -> response.cancel(true));
        try {
            int status = response.get().statusCode();
            return status >= 200 && status < 300
                    ? result(upstream, Outcome.SUCCESS, status, start, null)
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
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        return new Result(upstream.name(), outcome, status, ms, error);
    }

    /** A one-line reason without internals: what kind of I/O failure, not its stack. */
    private static String describe(Throwable t) {
        if (t instanceof ConnectException) {
            return "connection refused";
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
        client.shutdownNow();
        try {
            client.awaitTermination(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        executor.close();
    }
}
