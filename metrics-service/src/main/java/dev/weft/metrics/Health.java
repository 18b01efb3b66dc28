package dev.weft.metrics;

import dev.weft.patterns.BoundedRun;
import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Context;
import dev.weft.patterns.ErrGroup;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The health of the process, as the three Kubernetes probes see it.
 *
 * <p>Each probe is the conjunction of its named checks. A probe's checks run concurrently under
 * an {@link ErrGroup}, each on its own virtual thread with its own timeout, so that one slow or
 * hanging check cannot stall the probe: a probe answers within the timeout plus scheduling
 * noise, whatever its checks do. A check that has not returned by then is DOWN with a detail
 * that says it timed out, and its thread is interrupted (a {@link BoundedRun} with no grace).
 *
 * <p>Readiness and start-up also carry the process lifecycle: {@link #markStarted()} turns
 * both on once every service has started, and {@link #markShuttingDown()} turns readiness off
 * for good at the first moment of shutdown, while liveness stays up. An operator may also
 * {@link #drain()} the instance: readiness fails with the detail "drained by operator" until
 * {@link #undrain()}. The two are independent, so undraining during a shutdown leaves readiness off.
 *
 * <p>Thread-safe. Checks may be added at any time; a probe sees the checks added before it began.
 */
public final class Health {

    /** Status of one check or of a whole probe. */
    public enum Status { UP, DOWN }

    /** The outcome of one check. {@code detail} is null when UP. */
    public record CheckResult(String name, Status status, long durationMillis, String detail) { }

    /** The outcome of one probe: UP only if every check is UP. */
    public record Report(Probe probe, Status status, List<CheckResult> checks) {
        public boolean isUp() {
            return status == Status.UP;
        }
    }

    private enum Lifecycle { STARTING, SERVING, SHUTTING_DOWN }

    private final Duration checkTimeout;
    private final Map<Probe, List<NamedCheck>> checks = new EnumMap<>(Probe.class);
    /** Only moves forward: STARTING → SERVING → SHUTTING_DOWN (or STARTING → SHUTTING_DOWN). */
    private final AtomicReference<Lifecycle> lifecycle = new AtomicReference<>(Lifecycle.STARTING);
    /** Set and cleared by hand (POST /drain, /undrain); independent of the lifecycle. */
    private final AtomicBoolean drained = new AtomicBoolean();

    private record NamedCheck(String name, HealthCheck check) { }

    /**
     * @param checkTimeout how long each check may take before it counts as DOWN
     *                     ({@code admin.health.timeout})
     */
    public Health(Duration checkTimeout) {
        if (checkTimeout.isNegative() || checkTimeout.isZero()) {
            throw new IllegalArgumentException("check timeout must be positive: " + checkTimeout);
        }
        this.checkTimeout = checkTimeout;
        for (Probe p : Probe.values()) {
            checks.put(p, new CopyOnWriteArrayList<>());
        }
    }

    /** Adds a named check to a probe. Names should be unique within a probe; they label the report. */
    public Health add(Probe probe, String name, HealthCheck check) {
        checks.get(probe).add(new NamedCheck(Objects.requireNonNull(name), Objects.requireNonNull(check)));
        return this;
    }

    /** Start-up is complete: {@code /health/started} and {@code /health/ready} may now pass. */
    public void markStarted() {
        lifecycle.compareAndSet(Lifecycle.STARTING, Lifecycle.SERVING);
    }

    /** Shutdown has begun: readiness fails from now on, so load balancers stop sending traffic. */
    public void markShuttingDown() {
        lifecycle.set(Lifecycle.SHUTTING_DOWN);
    }

    /** An operator takes the instance out of rotation: readiness fails until {@link #undrain()}. */
    public void drain() {
        drained.set(true);
    }

    /** An operator puts the instance back; readiness passes again unless something else fails it. */
    public void undrain() {
        drained.set(false);
    }

    /** True between {@link #drain()} and {@link #undrain()}. */
    public boolean isDrained() {
        return drained.get();
    }

    /** True once {@link #markShuttingDown()} has been called. */
    public boolean isShuttingDown() {
        return lifecycle.get() == Lifecycle.SHUTTING_DOWN;
    }

    /**
     * Runs a probe's checks concurrently and reports. Blocks for at most about the check
     * timeout.
     *
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    public Report evaluate(Probe probe) throws InterruptedException {
        List<CheckResult> results = new ArrayList<>();
        CheckResult lifecycleResult = lifecycleCheck(probe);
        if (lifecycleResult != null) {
            results.add(lifecycleResult);
        }
        if (probe == Probe.READY && drained.get()) {
            results.add(new CheckResult("drain", Status.DOWN, 0, "drained by operator"));
        }
        List<NamedCheck> named = List.copyOf(checks.get(probe));
        CheckResult[] slots = new CheckResult[named.size()];
        // close(): an interrupt while waiting leaves no check runner behind the probe.
        try (ErrGroup group = new ErrGroup()) {
            for (int i = 0; i < named.size(); i++) {
                int slot = i;
                group.go(() -> slots[slot] = runBounded(named.get(slot)));
            }
            group.await();
        } catch (ExecutionException e) {
            // runBounded turns every failure into a DOWN result; reaching here is a bug.
            throw new IllegalStateException("health check runner failed", e.getCause());
        }
        // ErrGroup.await() happens-after every task, so the slots are visible here.
        results.addAll(List.of(slots));
        Status status = results.stream().allMatch(r -> r.status() == Status.UP) ? Status.UP : Status.DOWN;
        return new Report(probe, status, results);
    }

    private CheckResult lifecycleCheck(Probe probe) {
        Lifecycle now = lifecycle.get();
        return switch (probe) {
            case LIVE -> null;
            case STARTED -> now == Lifecycle.STARTING
                    ? new CheckResult("startup", Status.DOWN, 0, "start-up has not completed")
                    : new CheckResult("startup", Status.UP, 0, null);
            case READY -> switch (now) {
                case STARTING -> new CheckResult("lifecycle", Status.DOWN, 0, "start-up has not completed");
                case SHUTTING_DOWN -> new CheckResult("lifecycle", Status.DOWN, 0, "shutting down");
                case SERVING -> new CheckResult("lifecycle", Status.UP, 0, null);
            };
        };
    }

    /**
     * Runs one check on its own thread and waits for it at most the timeout, as a {@link
     * BoundedRun} with no grace: a check that ignores its context still cannot stall the probe;
     * it is interrupted and left to end on its own.
     */
    private CheckResult runBounded(NamedCheck named) {
        long start = System.nanoTime();
        CancelContext ctx = Context.withTimeout(Context.background(), checkTimeout);
        try {
            BoundedRun.Outcome<Void> outcome = BoundedRun.run("health-" + named.name(), ctx, Duration.ZERO, c -> {
                named.check().check(c);
                return null;
            });
            long millis = (System.nanoTime() - start) / 1_000_000;
            // A check that only finished because its time was up did not pass, however it ended.
            return switch (outcome) {
                case BoundedRun.Returned<Void> r when !r.late() -> new CheckResult(named.name(), Status.UP, millis, null);
                case BoundedRun.Threw<Void>(Throwable t, boolean late) when !late -> new CheckResult(named.name(),
                        Status.DOWN, millis, t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
                default -> new CheckResult(named.name(), Status.DOWN, millis,
                        "timed out after " + checkTimeout.toMillis() + " ms");
            };
        } finally {
            ctx.cancel();
        }
    }
}
