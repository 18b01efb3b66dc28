package dev.weft.worker;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "equal jitter": before attempt {@code n + 1} a job waits a random
 * time in {@code [d/2, d]} where {@code d = min(max, initial * 2^(n-1))}. The deterministic half
 * keeps retries spaced out; the random half spreads jobs that failed together apart, so they do
 * not retry in lockstep against a recovering dependency.
 *
 * @param initial the base wait after the first failed attempt
 * @param max     the cap on the base wait
 */
public record Backoff(Duration initial, Duration max) {

    public Backoff {
        if (!initial.isPositive() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + " and " + max);
        }
    }

    /** The default: 100 ms doubling up to 10 s. */
    public static Backoff defaults() {
        return new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));
    }

    /** The base wait {@code d} after failed attempt {@code attempt} (1-based), before jitter. */
    public Duration base(int attempt) {
        long nanos = initial.toNanos();
        for (int i = 1; i < attempt && nanos < max.toNanos(); i++) {
            nanos = nanos > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : nanos * 2;
        }
        return Duration.ofNanos(Math.min(nanos, max.toNanos()));
    }

    /**
     * The wait after failed attempt {@code attempt}.
     *
     * @param random a uniform value source in {@code [0, 1)}
     */
    public Duration delay(int attempt, DoubleSupplier random) {
        long base = base(attempt).toNanos();
        long half = base / 2;
        return Duration.ofNanos(base - half + (long) (random.getAsDouble() * half));
    }
}
