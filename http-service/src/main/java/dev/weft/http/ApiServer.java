package dev.weft.http;

import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Context;
import dev.weft.patterns.RateLimiter;
import dev.weft.patterns.Service;
import io.helidon.http.encoding.ContentEncodingContext;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http2.Http2Config;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;

/**
 * The public API server (port 8080 by default) as a supervised {@link Service}.
 *
 * <p>Routes from other modules (the worker's job API) are mounted through
 * {@link Builder#mount(String, HttpService)}, so this module never imports them. A route class
 * that calls upstreams is mounted with {@link Builder#routes(String, RouteFactory)}, one line,
 * and takes its {@link UpstreamClient}s from the server's {@link Resources}. Every handler gets
 * its request's context from {@link RequestContext#of}.
 *
 * <p>Routes: {@code GET /api/v1/hello}, {@code GET /api/v1/aggregate}, {@code GET
 * /api/v1/demo/upstream/{name}}, {@code GET /openapi}, and whatever is mounted. Every error is an
 * RFC 9457 problem ({@link Problem}), including Helidon's own 404, 405 and 413. Admission: a
 * concurrent-request limit (503) and an optional global rate limit (429), both with {@code
 * Retry-After}. Metrics go to the {@link MeterRegistry} given to the builder.
 *
 * <p>Shutdown ({@link #stop(Context)}): the listener stops accepting and every in-flight request
 * is let finish. When the shutdown budget runs out first, {@link #lifetime()} is cancelled, so
 * that handlers that honour it (the aggregate fan-out) end their work and answer 503, and the
 * stop completes soon after.
 */
public final class ApiServer implements Service {

    /** Where the demo upstream route lives (while {@link Builder#demoRoutes(boolean)} is on). */
    public static final String DEMO_UPSTREAM_PATH = "/api/v1/demo/upstream/";

    /** Time handlers get to answer once lifetime() is cancelled, before Helidon interrupts them. */
    static final Duration ANSWER_AFTER_CANCEL = Duration.ofSeconds(2);

    private final Builder config;
    /** Cancelled when the shutdown budget runs out; request contexts derive from it. */
    private final CancelContext lifetime = Context.withCancel(Context.background());
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Written by start(); start() happens-before stop() and port() by the Service contract. */
    private volatile WebServer server;
    /** The upstream clients route factories asked for, by name; closed by stop(). */
    private final java.util.Map<String, UpstreamClient> clients = new java.util.concurrent.ConcurrentHashMap<>();
    private final RouteCatalog catalog = new RouteCatalog();

    private ApiServer(Builder config) {
        this.config = config;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "http";
    }

    /** The parent of every request's context: cancelled when the shutdown budget runs out. */
    public Context lifetime() {
        return lifetime;
    }

    @Override
    public void start() {
        try {
            server = startServer();
        } catch (RuntimeException | Error e) {
            closeClients();
            throw e;
        }
    }

    private WebServer startServer() {
        RequestMetrics metrics = new RequestMetrics(config.registry);
        WebServerConfig.Builder builder = WebServer.builder()
                .host(config.host)
                .port(config.port)
                // The supervisor owns the shutdown order; Helidon's own hook would race it.
                .shutdownHook(false)
                // How long Helidon's stop() waits for in-flight requests before interrupting them.
                // Our own budget ends them first, through lifetime(); the margin lets handlers
                // write their 503 after that instead of racing Helidon's interrupt (an
                // interrupted handler leaves its client a closed connection, not an answer).
                .shutdownGracePeriod(config.maxDrain.plus(ANSWER_AFTER_CANCEL))
                .maxPayloadSize(config.maxPayloadSize)
                // HTTP/2 writes a response's HEADERS and DATA frames separately: with Nagle's
                // algorithm on, the second waits for the client's delayed ACK (~40 ms a request).
                .connectionOptions(options -> options.tcpNoDelay(true))
                .directHandlers(ErrorResponses.directHandlers(config.maxPayloadSize, metrics))
                // Protocols are listed, not discovered, so that HTTP/2 is on only when configured.
                .protocolsDiscoverServices(false)
                .contentEncoding(contentEncoding())
                .routing(r -> routing(r, metrics));
        Http1Config http1 = Http1Config.builder().maxHeadersSize(HeaderLimit.PARSER_LIMIT_BYTES).build();
        if (config.http2) {
            // h2c by prior knowledge (Helidon's HTTP/2 selector) and by upgrade (in Http1First).
            Http2Config http2 = Http2Config.create();
            builder.addConnectionSelector(new Http1First(WebServer.DEFAULT_SOCKET_NAME, http1, http2))
                    .addProtocol(http2);
        } else {
            builder.addProtocol(http1);
        }
        return builder.build().start();
    }

    /** gzip when compression is on, else none (Helidon would discover whatever is on the classpath). */
    private ContentEncodingContext contentEncoding() {
        var encodings = ContentEncodingContext.builder().contentEncodingsDiscoverServices(false);
        if (config.compression) {
            encodings.addContentEncoding(new GzipEncoding());
        }
        return encodings.build();
    }

    /** The port actually bound; valid after {@link #start()}. */
    public int port() {
        return server.port();
    }

    /** {@code host:port} this server answers on, for {@link Upstream#SELF}. */
    private String selfAuthority() {
        String host = config.host;
        if (host.equals("0.0.0.0") || host.equals("::") || host.isEmpty()) {
            host = "127.0.0.1";
        } else if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return host + ":" + server.port();
    }

    /** Every route, as {@code "METHOD /path/{param}"}; valid after {@link #start()}. */
    java.util.Set<String> routes() {
        return catalog.routes();
    }

    private void routing(HttpRouting.Builder routing, RequestMetrics metrics) {
        RateLimiter limiter = config.rateLimitRps > 0 ? new RateLimiter(config.rateLimitRps, config.rateLimitBurst) : null;
        routing.addFilter(new RequestFilter(metrics, config.maxConcurrentRequests, limiter, config.tracing));
        routing.addFilter(RequestContext.filter(lifetime, config.tracing));
        routing.register("/api/v1", catalog.recording("/api/v1", new HelloRoutes()));
        if (config.demoRoutes) {
            routing.register("/api/v1", catalog.recording("/api/v1", new DemoUpstreamRoutes(lifetime)));
        }
        routing.register(catalog.recording("", new OpenApiRoutes()));
        Resources resources = new Resources();
        for (Mount m : config.mounts) {
            routing.register(m.path(), catalog.recording(m.path(), m.routes().create(resources)));
        }
        routing.error(UpstreamException.class, (req, res, e) -> e.problem().send(req, res));
        ErrorResponses.install(routing, catalog);
    }

    @Override
    public void awaitTermination() throws InterruptedException {
        stopped.await();
    }

    /**
     * Stops accepting, lets in-flight requests finish, and cancels {@link #lifetime()} if the
     * budget runs out first. Returns true if every request finished within the budget.
     */
    @Override
    public boolean stop(Context budget) {
        WebServer s = server;
        if (s == null) {
            lifetime.cancel();
            stopped.countDown();
            return true;
        }
        // If the budget runs out while requests are still in flight, cancel them through
        // lifetime(); stop() then returns as soon as their handlers answer.
        Context.AfterFunc onBudgetEnd = budget.afterFunc(() -> lifetime.cancel(budget.cause()));
        try {
            s.stop();
            return onBudgetEnd.stop();
        } finally {
            lifetime.cancel();
            closeClients();
            stopped.countDown();
        }
    }

    private void closeClients() {
        clients.values().forEach(UpstreamClient::close);
    }

    /**
     * What a route class may take from the server, in its {@link RouteFactory}: named upstream
     * clients, which the server closes when it stops, and the meter registry for its own metrics.
     */
    public final class Resources {

        private Resources() {
        }

        /**
         * The upstream client named {@code name}, created on first use; its calls are timed in
         * {@code http_<name>_upstream_seconds} and {@value Upstream#SELF} in its URLs is this server.
         */
        public UpstreamClient client(String name) {
            return clients.computeIfAbsent(name, n -> new UpstreamClient(n, config.registry, ApiServer.this::selfAuthority, config.tracing));
        }

        /** Where the server's metrics go: register a route's own counters and timers here. */
        public MeterRegistry registry() {
            return config.registry;
        }
    }

    /** Makes a route class from the server's {@link Resources}; called once, as the server starts. */
    @FunctionalInterface
    public interface RouteFactory {
        HttpService create(Resources resources);
    }

    private record Mount(String path, RouteFactory routes) { }

    /** Configuration of the API server. */
    public static final class Builder {
        private String host = "0.0.0.0";
        private int port = 8080;
        private Duration maxDrain = Duration.ofSeconds(30);
        private final List<Mount> mounts = new ArrayList<>();
        private MeterRegistry registry = new SimpleMeterRegistry();
        private long maxPayloadSize = 1024 * 1024;
        private int maxConcurrentRequests = 1000;
        private double rateLimitRps;
        private int rateLimitBurst = 1;
        private Aggregation aggregation = Aggregation.defaults();
        private boolean demoRoutes = true;
        private boolean http2 = true;
        private boolean compression;
        private Tracing tracing = Tracing.OFF;

        private Builder() {
            // The built-in fan-out, mounted the way a fork mounts its own route classes.
            routes("/api/v1", r -> new AggregateRoutes(aggregation, r.client(AggregateRoutes.CLIENT), r.registry()));
        }

        /**
         * Whether {@code GET /api/v1/demo/upstream/{name}} is mounted ({@code http.demo.enabled},
         * on by default): a laptop stand-in for real upstreams, to be off in production.
         */
        public Builder demoRoutes(boolean enabled) {
            this.demoRoutes = enabled;
            return this;
        }

        /** Whether HTTP/2 cleartext (h2c, by prior knowledge or upgrade) is served ({@code http.http2.enabled}). */
        public Builder http2(boolean enabled) {
            this.http2 = enabled;
            return this;
        }

        /** Whether responses are gzip-compressed for clients whose Accept-Encoding allows it ({@code http.compression.enabled}). */
        public Builder compression(boolean enabled) {
            this.compression = enabled;
            return this;
        }

        /** The address to bind ({@code server.host}). */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host);
            return this;
        }

        /** The port ({@code server.port}); 0 picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The longest a stop may wait for in-flight requests: the shutdown budget. */
        public Builder maxDrain(Duration maxDrain) {
            this.maxDrain = Objects.requireNonNull(maxDrain);
            return this;
        }

        /** The server and upstream-client spans; {@link Tracing#OFF} (the default) makes none. */
        public Builder tracing(Tracing tracing) {
            this.tracing = java.util.Objects.requireNonNull(tracing, "tracing");
            return this;
        }

        /** Where the server's metrics go; by default a private {@link SimpleMeterRegistry}. */
        public Builder registry(MeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry);
            return this;
        }

        /** The largest request body in bytes ({@code http.max-payload-size}); larger ones get 413. */
        public Builder maxPayloadSize(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxPayloadSize must be positive, got " + bytes);
            }
            this.maxPayloadSize = bytes;
            return this;
        }

        /** Most requests routed at once ({@code http.max-concurrent-requests}); more get 503 with Retry-After. */
        public Builder maxConcurrentRequests(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConcurrentRequests must be positive, got " + max);
            }
            this.maxConcurrentRequests = max;
            return this;
        }

        /**
         * A global token-bucket rate limit ({@code http.rate-limit.rps}, {@code
         * http.rate-limit.burst}); requests over it get 429 with Retry-After. {@code rps} 0 turns
         * it off.
         */
        public Builder rateLimit(double rps, int burst) {
            if (rps < 0 || Double.isNaN(rps) || (rps > 0 && burst < 1)) {
                throw new IllegalArgumentException("need rps >= 0 and burst >= 1, got " + rps + " and " + burst);
            }
            this.rateLimitRps = rps;
            this.rateLimitBurst = burst;
            return this;
        }

        /** The aggregate endpoint's deadline, concurrency and upstreams. */
        public Builder aggregation(Aggregation aggregation) {
            this.aggregation = Objects.requireNonNull(aggregation);
            return this;
        }

        /**
         * Mounts routes from another module under {@code path} (a literal path such as {@code
         * /api/v1/jobs}). Errors they raise as Helidon {@code HttpException}s, or Jackson
         * parse errors, are answered as {@link Problem}s; a wrong method on their paths gets 405.
         */
        public Builder mount(String path, HttpService service) {
            Objects.requireNonNull(service, "service");
            return routes(path, r -> service);
        }

        /**
         * Mounts a route class under {@code path} that needs the server's {@link Resources} (its
         * upstream clients, the registry), e.g. {@code .routes("/api/v1", r -> new
         * OrderSummaryRoutes(r.client("orders"), ...))}. Its errors are answered as in {@link
         * #mount(String, HttpService)}; an {@link UpstreamException} as its problem.
         */
        public Builder routes(String path, RouteFactory factory) {
            mounts.add(new Mount(Objects.requireNonNull(path, "path"), Objects.requireNonNull(factory, "factory")));
            return this;
        }

        public ApiServer build() {
            return new ApiServer(this);
        }
    }
}
