package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.patterns.Context;
import dev.weft.patterns.ErrGroup;
import dev.weft.patterns.OnceValue;
import dev.weft.patterns.WeftThreads;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * The {@code fetch} demo job: an errgroup with a limit under the job's deadline.
 *
 * <p>Payload: {@code urls}, 1 to {@code worker.fetch.max-urls} absolute {@code http}/{@code
 * https} URLs whose host is on {@code worker.fetch.allowed-hosts} (compared case-insensitively,
 * any port). Anything else is rejected at submission: an open fetcher would let anyone who can
 * submit jobs make this service call any address it can reach (SSRF). The default allows only
 * the service's own loopback demo upstream.
 *
 * <p>Every URL is fetched with GET, concurrently but at most {@code worker.fetch.concurrency} at
 * once, under one {@link ErrGroup} whose context is the job's (deadline {@code
 * worker.job-timeout}). The result lists, in payload order, each URL's {@code status} and {@code
 * bytes} (body length); a non-2xx status is reported, not an error. A transport failure (refused
 * connection, reset) fails the whole group at once, cancelling the other fetches, and fails the
 * job as retryable.
 *
 * <p>The one {@link HttpClient} runs on an executor of Weft virtual threads ("fetch") and is
 * closed by {@link #close()} when the worker stops. (The client's own selector thread is the
 * JDK's, not Weft's.)
 */
public final class FetchHandler implements JobHandler {

    private final Set<String> allowedHosts;
    private final int maxUrls;
    private final int concurrency;
    private final ExecutorService executor = Executors.newThreadPerTaskExecutor(WeftThreads.factory("fetch"));
    /** Built by the first fetch: building a JDK HttpClient loads the TLS stack, start-up time. */
    private final OnceValue<HttpClient> client = OnceValue.of(() -> HttpClient.newBuilder()
            .executor(executor)
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER) // a redirect could lead off the allowed hosts
            .build());

    /**
     * @param allowedHosts host names or IP literals that may be fetched ({@code worker.fetch.allowed-hosts})
     * @param maxUrls      most URLs per job ({@code worker.fetch.max-urls})
     * @param concurrency  most fetches in flight per job ({@code worker.fetch.concurrency})
     */
    public FetchHandler(Set<String> allowedHosts, int maxUrls, int concurrency) {
        if (maxUrls < 1 || concurrency < 1) {
            throw new IllegalArgumentException("maxUrls and concurrency must be at least 1");
        }
        this.allowedHosts = allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.maxUrls = maxUrls;
        this.concurrency = concurrency;
    }

    @Override
    public String type() {
        return "fetch";
    }

    @Override
    public void validate(JsonNode payload) throws InvalidPayloadException {
        JobHandler.requireKnownFields(payload, java.util.Set.of("urls"));
        urls(payload);
    }

    private List<URI> urls(JsonNode payload) throws InvalidPayloadException {
        JsonNode urls = payload.get("urls");
        if (urls == null || !urls.isArray() || urls.isEmpty()) {
            throw new InvalidPayloadException("'urls' must be a non-empty array of strings");
        }
        if (urls.size() > maxUrls) {
            throw new InvalidPayloadException("at most " + maxUrls + " urls, got " + urls.size());
        }
        List<URI> out = new ArrayList<>();
        for (JsonNode u : urls) {
            if (!u.isTextual()) {
                throw new InvalidPayloadException("'urls' must hold strings");
            }
            URI uri;
            try {
                uri = new URI(u.asText());
            } catch (URISyntaxException e) {
                throw new InvalidPayloadException("not a URL: " + u.asText());
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new InvalidPayloadException("only http and https URLs: " + u.asText());
            }
            String host = uri.getHost();
            if (host == null || uri.getRawUserInfo() != null
                    || !allowedHosts.contains(host.toLowerCase(Locale.ROOT))) {
                throw new InvalidPayloadException("host not allowed (worker.fetch.allowed-hosts): " + u.asText());
            }
            out.add(uri);
        }
        return out;
    }

    @Override
    public JsonNode run(Context ctx, JsonNode payload) throws Exception {
        List<URI> urls = urls(payload);
        long[] status = new long[urls.size()];
        long[] bytes = new long[urls.size()];
        // close() cancels the group's context, which aborts every fetch, and waits for them: no
        // fetch outlives the job, whether it ends in a result, a failure or an interrupt.
        try (ErrGroup group = ErrGroup.withContext(ctx)) {
            group.setLimit(concurrency);
            Context gctx = group.context();
            for (int i = 0; i < urls.size(); i++) {
                int at = i;
                group.go(() -> {
                    long[] r = fetch(gctx, urls.get(at));
                    status[at] = r[0];
                    bytes[at] = r[1];
                });
            }
            group.await();
        } catch (ExecutionException e) {
            ctx.throwIfDone();
            if (e.getCause() instanceof IOException io) {
                throw new RetryableJobException("fetch failed: " + io.getClass().getSimpleName()
                        + (io.getMessage() == null ? "" : ": " + io.getMessage()), io);
            }
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < urls.size(); i++) {
            ObjectNode o = out.addObject();
            o.put("url", urls.get(i).toString());
            o.put("status", status[i]);
            o.put("bytes", bytes[i]);
        }
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.set("results", out);
        return result;
    }

    /** One GET, aborted when {@code ctx} is done; returns {status, body bytes}. */
    private long[] fetch(Context ctx, URI uri) throws Exception {
        ctx.throwIfDone();
        HttpRequest.Builder req = HttpRequest.newBuilder(uri).GET();
        ctx.deadline().ifPresent(d -> {
            Duration left = Duration.between(Instant.now(), d);
            req.timeout(left.isPositive() ? left : Duration.ofMillis(1));
        });
        AtomicLong count = new AtomicLong();
        CompletableFuture<HttpResponse<Void>> call = client.get().sendAsync(req.build(),
                HttpResponse.BodyHandlers.ofByteArrayConsumer(chunk -> chunk.ifPresent(b -> count.addAndGet(b.length))));
        // Cancelling the future aborts the exchange: how Go's http.NewRequestWithContext behaves.
        Context.AfterFunc abort = ctx.afterFunc(() -> call.cancel(true));
        try {
            HttpResponse<Void> r = call.get();
            return new long[] {r.statusCode(), count.get()};
        } catch (ExecutionException e) {
            ctx.throwIfDone();
            throw e.getCause() instanceof Exception ex ? ex : e;
        } catch (CancellationException e) {
            ctx.throwIfDone();
            throw e;
        } catch (InterruptedException e) {
            call.cancel(true);
            throw e;
        } finally {
            abort.stop();
        }
    }

    @Override
    public void close() {
        try {
            if (client.isDone()) {
                client.get().shutdownNow();
                client.get().awaitTermination(Duration.ofSeconds(1));
            }
            executor.shutdownNow();
            executor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
