package dev.weft.http;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of {@code GET /api/v1/aggregate}.
 *
 * @param timeout     the deadline of a request without {@code X-Request-Timeout} ({@code http.aggregate.timeout})
 * @param maxTimeout  the longest deadline a client may ask for ({@code http.aggregate.max-timeout}); at least {@code timeout}
 * @param concurrency most upstream calls in flight per fan-out ({@code http.aggregate.concurrency}), at least 1
 * @param upstreams   the upstreams, in response order ({@code http.aggregate.upstreams})
 */
public record Aggregation(Duration timeout, Duration maxTimeout, int concurrency, List<Upstream> upstreams) {

    /** Validates the invariants above; throws IllegalArgumentException. */
    public Aggregation {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(maxTimeout, "maxTimeout");
        upstreams = List.copyOf(upstreams);
        if (timeout.isNegative() || timeout.isZero() || maxTimeout.compareTo(timeout) < 0) {
            throw new IllegalArgumentException("need 0 < timeout <= maxTimeout, got " + timeout + " and " + maxTimeout);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1, got " + concurrency);
        }
    }

    /** The laptop defaults: the three demo upstreams on this same server. */
    public static Aggregation defaults() {
        return new Aggregation(Duration.ofSeconds(2), Duration.ofSeconds(10), 8, Upstream.parseList(DEFAULT_UPSTREAMS));
    }

    /** The default {@code http.aggregate.upstreams}: three demo upstreams on this same server. */
    public static final String DEFAULT_UPSTREAMS =
            "alpha=http://{self}/api/v1/demo/upstream/alpha?delay=50ms,"
            + "beta=http://{self}/api/v1/demo/upstream/beta?delay=120ms,"
            + "gamma=http://{self}/api/v1/demo/upstream/gamma?delay=80ms";
}
