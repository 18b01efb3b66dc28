package dev.weft.http;

import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Context;
import dev.weft.patterns.Service;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpService;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;

/**
 * The public API server (port 8080 by default) as a supervised {@link Service}.
 *
 * <p>Routes from other modules (the worker's job API) are mounted through
 * {@link Builder#mount(String, HttpService)}, so this module never imports them.
 *
 * <p>Shutdown ({@link #stop(Context)}): the listener stops accepting and every in-flight request
 * is let finish. When the shutdown budget runs out first, {@link #lifetime()} is cancelled, so
 * that handlers that honour it (the aggregate fan-out) end their work and answer 503, and the
 * stop completes soon after.
 */
public final class ApiServer implements Service {

    private final Builder config;
    /** Cancelled when the shutdown budget runs out; request contexts derive from it. */
    private final CancelContext lifetime = Context.withCancel(Context.background());
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** Written by start(); start() happens-before stop() and port() by the Service contract. */
    private volatile WebServer server;

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
        server = WebServer.builder()
                .host(config.host)
                .port(config.port)
                // The supervisor owns the shutdown order; Helidon's own hook would race it.
                .shutdownHook(false)
                // How long Helidon's stop() waits for in-flight requests before interrupting them.
                // Our own budget ends them earlier through lifetime(); this is the backstop.
                .shutdownGracePeriod(config.maxDrain)
                .routing(this::routing)
                .build()
                .start();
    }

    /** The port actually bound; valid after {@link #start()}. */
    public int port() {
        return server.port();
    }

    private void routing(HttpRouting.Builder routing) {
        routing.register("/api/v1", new HelloRoutes());
        for (Mount m : config.mounts) {
            routing.register(m.path(), m.service());
        }
        routing.error(Exception.class, (req, res, e) -> Problem.of("internal", "Internal error",
                Status.INTERNAL_SERVER_ERROR_500, "the server could not complete the request").send(req, res));
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
            stopped.countDown();
        }
    }

    private record Mount(String path, HttpService service) { }

    /** Configuration of the API server. */
    public static final class Builder {
        private String host = "0.0.0.0";
        private int port = 8080;
        private Duration maxDrain = Duration.ofSeconds(30);
        private final List<Mount> mounts = new ArrayList<>();

        private Builder() {
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

        /** Mounts routes from another module under {@code path}. */
        public Builder mount(String path, HttpService service) {
            mounts.add(new Mount(path, service));
            return this;
        }

        public ApiServer build() {
            return new ApiServer(this);
        }
    }
}
