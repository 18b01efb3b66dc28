package dev.weft.metrics;

import dev.weft.patterns.Context;

import java.util.function.IntSupplier;

/**
 * A named health check that another part of the service contributes through the launcher.
 *
 * <p>A check is called on its own virtual thread, under a context that carries its timeout
 * ({@code admin.health.timeout}). It returns normally when healthy and throws, with a message
 * that says why, when not. A check that outlives its context counts as DOWN; it should honour
 * {@code ctx} so that its thread ends soon after.
 */
@FunctionalInterface
public interface HealthCheck {

    /**
     * Checks health.
     *
     * @param ctx done when the probe's time for this check is up
     * @throws Exception when unhealthy; the message becomes the check's detail
     */
    void check(Context ctx) throws Exception;

    /**
     * A check that a bounded queue is not saturated: DOWN while it holds {@code capacity} items
     * or more, since a full queue turns new work away. Meant for readiness, so that a load
     * balancer sends traffic elsewhere until the queue drains, never for liveness: restarting a
     * busy process would lose its queue.
     *
     * @param what     names the queue in the detail, e.g. {@code worker queue}
     * @param depth    reads the queue's current depth; called once per probe, must not block
     * @param capacity the queue's bound, at least 1
     * @throws IllegalArgumentException if {@code capacity} is less than 1
     */
    static HealthCheck notSaturated(String what, IntSupplier depth, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1: " + capacity);
        }
        return ctx -> {
            int d = depth.getAsInt();
            if (d >= capacity) {
                throw new IllegalStateException(what + " full: " + d + "/" + capacity);
            }
        };
    }
}
