package dev.weft.metrics;

import dev.weft.patterns.Context;

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
}
