package dev.weft.patterns;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a group of {@link Service}s as one program: a run group in the manner of {@code
 * oklog/run} and an errgroup of services, with the ordered, budgeted shutdown of Weft's
 * supervisor contract.
 *
 * <p>{@link #run(Context)}:
 * <ol>
 *   <li>starts the services in registration order, in the calling thread, and from the moment
 *       each has started watches its {@link Service#awaitTermination()} on a Weft thread (role
 *       "supervisor"); then runs the {@code onStarted} hooks;
 *   <li>waits for the first of: the root context done (a signal), a service failing (its {@code
 *       start} or {@code awaitTermination} throwing), or a service ending by itself. A service
 *       that returns from {@code awaitTermination} while the root is not done is a failure too: a
 *       supervised service is meant to run until it is told to stop;
 *   <li>shuts down, under one budget ({@code shutdownTimeout}, created when shutdown begins):
 *       the {@code onShutdown} hooks, the drain delay (only if every service had started, since
 *       before that nothing was announced as ready), then {@link Service#stop(Context)} of every
 *       started service in <em>reverse</em> order, one after the other, each with the budget;
 *   <li>waits for the watcher threads to end, and returns the {@link Outcome}.
 * </ol>
 *
 * <p>Outcome precedence: a service failure (including a {@code stop} that throws) wins, {@link
 * Outcome#SERVICE_FAILED}; else, if the budget ran out before every stop completed, or a stop
 * reported abandoned work, {@link Outcome#BUDGET_EXCEEDED}; else {@link Outcome#STOPPED}.
 *
 * <p>Bounds: each stop is a {@link BoundedRun} with the budget as its context and {@link #GRACE}
 * as its grace: a stop still running when the budget is done is given {@link #GRACE} to react to
 * the done budget (to cancel its work and answer what is in flight, say, with a 503), then
 * interrupted and given {@link #GRACE} more; the next stops are still called, with the done
 * budget, so they can abandon their work at once; watchers still alive after that are
 * interrupted and given {@link #GRACE}. So {@code run} returns within about
 * {@code shutdownTimeout + (2 * services + 4) * GRACE} after
 * shutdown begins, even when a service ignores its budget. When every service honours its budget
 * and interruption, no thread started by the supervisor is alive when {@code run} returns; a
 * thread that ignores both is abandoned (and logged), which is what the outcome {@link
 * Outcome#BUDGET_EXCEEDED}, exit code 3, tells the process: exit now.
 *
 * <p>Logs one line per phase with its duration, through {@link System.Logger} named {@code
 * dev.weft.patterns.Supervisor}.
 */
public final class Supervisor {

    /** How long a stop gets to react to the done budget, and a stop or watcher after being interrupted. */
    public static final Duration GRACE = Duration.ofSeconds(1);

    /**
     * The most {@link #run} can outlast its shutdown budget with {@code services} services:
     * {@code (2 * services + 4) * GRACE}, reached only when services ignore both the budget and
     * interruption. A platform's kill timeout (Kubernetes' {@code terminationGracePeriodSeconds})
     * should allow the budget plus this.
     *
     * @param services how many services the supervisor runs
     * @return the worst-case overrun
     */
    public static Duration maxOverrun(int services) {
        return GRACE.multipliedBy(2L * services + 4);
    }

    private static final System.Logger LOG = System.getLogger("dev.weft.patterns.Supervisor");

    private final List<Service> services;
    private final Duration shutdownTimeout;
    private final Duration drainDelay;
    private final List<Runnable> onStarted;
    private final List<Runnable> onShutdown;

    /** The first service failure; set once. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private final AtomicBoolean ran = new AtomicBoolean();

    /**
     * Set before the first stop is called; watchers read it to tell an ending caused by shutdown
     * from a failure. Volatile so that a watcher whose service ended because of stop() sees it.
     */
    private volatile boolean shuttingDown;

    private Supervisor(Builder builder) {
        this.services = List.copyOf(builder.services);
        this.shutdownTimeout = builder.shutdownTimeout;
        this.drainDelay = builder.drainDelay;
        this.onStarted = List.copyOf(builder.onStarted);
        this.onShutdown = List.copyOf(builder.onShutdown);
    }

    /**
     * A new builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the services until {@code root} is done or one of them fails, then shuts them all down;
     * see the class description. Blocks for the life of the program. May be called once.
     *
     * <p>Interrupting the calling thread is a request to shut down: the shutdown then runs to
     * completion, under its budget, as for any other cause, and {@code run} throws {@link
     * InterruptedException} afterwards instead of returning the outcome ({@link #failure()} still
     * tells whether a service failed).
     *
     * <p>Memory visibility: everything the services and hooks did happens-before {@code run}
     * returns, for the threads that ended.
     *
     * @param root the context whose end stops the program, typically {@link Signals}'
     * @return how the program ended; see {@link Outcome#exitCode()}
     * @throws InterruptedException if the calling thread was interrupted; the shutdown has completed
     * @throws IllegalStateException if called a second time
     */
    public Outcome run(Context root) throws InterruptedException {
        Objects.requireNonNull(root, "root");
        if (!ran.compareAndSet(false, true)) {
            throw new IllegalStateException("a Supervisor runs once");
        }
        // Done when the root is, or, with the failure as its cause, when a service fails.
        CancelContext trigger = Context.withCancel(root);
        List<Service> started = new ArrayList<>();
        List<Thread> watchers = new ArrayList<>();
        boolean interrupted = false;
        boolean allStarted = false;
        try {
            for (Service service : services) {
                if (trigger.isDone()) {
                    break;
                }
                long begin = System.nanoTime();
                try {
                    service.start();
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                } catch (Exception e) {
                    fail(trigger, new ServiceFailure(service.name(), "failed to start", e));
                    break;
                }
                started.add(service);
                LOG.log(Level.INFO, "started {0} in {1} ms", service.name(), millisSince(begin));
                watchers.add(WeftThreads.start("supervisor", () -> watch(service, trigger, root)));
            }
            if (!interrupted && !trigger.isDone() && started.size() == services.size()) {
                allStarted = true;
                runHooks(onStarted, trigger);
            }
            if (!interrupted) {
                trigger.await();
            }
        } catch (InterruptedException e) {
            interrupted = true;
        }
        Outcome outcome = shutdown(trigger, started, watchers, allStarted, interrupted);
        if (interrupted || Thread.interrupted()) {
            throw new InterruptedException("Supervisor.run interrupted; shutdown completed: " + outcome);
        }
        return outcome;
    }

    /**
     * The first service failure, once {@link #run} has returned or thrown: what a {@code start},
     * {@code awaitTermination} or {@code stop} threw, an {@link IllegalStateException} for a
     * service that ended by itself, or what an {@code onStarted} hook threw. Empty if none failed.
     *
     * @return the first failure, if any
     */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(unwrap(failure.get()));
    }

    private static Throwable unwrap(Throwable recorded) {
        return recorded instanceof ServiceFailure f ? f.getCause() : recorded;
    }

    private void watch(Service service, CancelContext trigger, Context root) {
        Throwable thrown = null;
        try {
            service.awaitTermination();
        } catch (Throwable t) {
            thrown = t;
        }
        if (shuttingDown) {
            if (thrown != null && !(thrown instanceof InterruptedException)) {
                LOG.log(Level.WARNING, "service " + service.name() + " failed during shutdown", thrown);
            }
            return;
        }
        if (thrown == null && root.isDone()) {
            return; // ended because the root is done; the trigger follows the root
        }
        fail(trigger, thrown != null
                ? new ServiceFailure(service.name(), "failed", thrown)
                : new ServiceFailure(service.name(), "ended on its own",
                        new IllegalStateException("service " + service.name() + " ended on its own")));
    }

    private void fail(CancelContext trigger, ServiceFailure f) {
        if (failure.compareAndSet(null, f)) {
            LOG.log(Level.ERROR, f.getMessage(), f.getCause());
        }
        trigger.cancel(f);
    }

    private void runHooks(List<Runnable> hooks, CancelContext trigger) {
        for (Runnable hook : hooks) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                if (trigger != null) {
                    fail(trigger, new ServiceFailure("onStarted hook", "failed", e));
                    return;
                }
                LOG.log(Level.WARNING, "onShutdown hook failed", e);
            }
        }
    }

    private Outcome shutdown(CancelContext trigger, List<Service> started, List<Thread> watchers,
            boolean allStarted, boolean interrupted) {
        long begin = System.nanoTime();
        long budgetEnd = begin + Contexts.saturatedNanos(shutdownTimeout);
        shuttingDown = true;
        Throwable why = trigger.cause();
        LOG.log(Level.INFO, "shutdown begins (cause: {0})",
                why != null ? why.getMessage() : interrupted ? "interrupted" : "no service to run");
        CancelContext budget = Context.withTimeout(Context.background(), shutdownTimeout);
        boolean exceeded = false;
        List<Thread> stoppers = new ArrayList<>();
        try {
            long phase = System.nanoTime();
            runHooks(onShutdown, null);
            LOG.log(Level.INFO, "shutdown phase hooks took {0} ms", millisSince(phase));

            if (allStarted) {
                phase = System.nanoTime();
                if (drainDelay.isPositive()) {
                    // Waits on the budget, so the delay can never outlast it.
                    Uninterruptibly.await(budget, Contexts.saturatedNanos(drainDelay));
                }
                LOG.log(Level.INFO, "shutdown phase drain delay took {0} ms", millisSince(phase));
            }

            for (Service service : started.reversed()) {
                exceeded |= !stop(service, budget, stoppers);
            }

            exceeded |= !awaitEnd(watchers, budgetEnd, "watcher");
            exceeded |= !awaitEnd(stoppers, System.nanoTime(), "stop");
        } finally {
            budget.cancel();
            trigger.cancel();
        }
        Outcome outcome = failure.get() != null ? Outcome.SERVICE_FAILED
                : exceeded ? Outcome.BUDGET_EXCEEDED
                : Outcome.STOPPED;
        LOG.log(Level.INFO, "shutdown complete in {0} ms: {1}", millisSince(begin), outcome);
        return outcome;
    }

    /** @return true if the stop completed within the budget and drained everything */
    private boolean stop(Service service, Context budget, List<Thread> stoppers) {
        long begin = System.nanoTime();
        // The budget's end cancels the service's work through the budget context; it gets GRACE
        // to wind down (answer, record, close) before an interrupt cuts it short.
        BoundedRun.Outcome<Boolean> outcome = BoundedRun.run("supervisor", budget, GRACE, service::stop);
        String took = "shutdown phase stop " + service.name() + " took " + millisSince(begin) + " ms: ";
        return switch (outcome) {
            case BoundedRun.Returned<Boolean>(Boolean drained, boolean late) -> {
                LOG.log(Level.INFO, took + (Boolean.TRUE.equals(drained) ? "drained" : "abandoned work"));
                yield Boolean.TRUE.equals(drained) && !late;
            }
            case BoundedRun.Threw<Boolean>(Throwable thrown, boolean late) -> {
                LOG.log(Level.WARNING, took + "failed", thrown);
                failure.compareAndSet(null, new ServiceFailure(service.name(), "failed to stop", thrown));
                yield !late;
            }
            // Overran: whatever it ended with after the interrupt is abandonment caused by us,
            // not a failure of the service.
            case BoundedRun.Stopped<Boolean> stopped -> {
                LOG.log(Level.WARNING, took + "overran the budget, interrupted");
                yield false;
            }
            case BoundedRun.Abandoned<Boolean>(Thread thread) -> {
                LOG.log(Level.WARNING, took + "overran the budget, abandoned its thread");
                stoppers.add(thread);
                yield false;
            }
        };
    }

    /**
     * Waits for {@code threads} until {@code until} (a nanoTime), or {@link #GRACE} if that is
     * sooner; interrupts the ones still alive and gives them {@link #GRACE} more.
     *
     * @return true if all ended
     */
    private static boolean awaitEnd(List<Thread> threads, long until, String what) {
        long deadline = Math.max(until, System.nanoTime() + Contexts.saturatedNanos(GRACE));
        List<Thread> alive = joinAll(threads, deadline);
        if (alive.isEmpty()) {
            return true;
        }
        alive.forEach(Thread::interrupt);
        alive = joinAll(alive, System.nanoTime() + Contexts.saturatedNanos(GRACE));
        if (alive.isEmpty()) {
            return false;
        }
        LOG.log(Level.WARNING, "abandoned {0} {1} thread(s) still alive: {2}", alive.size(), what,
                alive.stream().map(Thread::getName).toList());
        return false;
    }

    private static List<Thread> joinAll(List<Thread> threads, long deadline) {
        List<Thread> alive = new ArrayList<>();
        for (Thread thread : threads) {
            if (!Uninterruptibly.join(thread, deadline - System.nanoTime())) {
                alive.add(thread);
            }
        }
        return alive;
    }

    private static long millisSince(long nanoTime) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanoTime);
    }

    /** What a service failure is recorded as: names the service for the logs; the cause is the failure. */
    private static final class ServiceFailure extends RuntimeException {
        ServiceFailure(String service, String what, Throwable cause) {
            super("service " + service + " " + what + ": " + cause, cause, false, false);
        }
    }

    /**
     * Waits that shutdown must not be cut short by: an interrupt is remembered and restored
     * afterwards, so {@link #run} can still report it.
     */
    private static final class Uninterruptibly {
        static boolean await(Context context, long nanos) {
            boolean interrupted = false;
            long deadline = System.nanoTime() + Math.max(0, nanos);
            try {
                while (true) {
                    try {
                        return context.await(Duration.ofNanos(deadline - System.nanoTime()));
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        static boolean join(Thread thread, long nanos) {
            boolean interrupted = false;
            long deadline = System.nanoTime() + Math.max(0, nanos);
            try {
                while (true) {
                    try {
                        return thread.join(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** How a {@link #run} ended, with the process exit code of Weft's supervisor contract. */
    public enum Outcome {
        /** Stopped by the root context (a signal) and drained within budget: exit code 0. */
        STOPPED(0),
        /** A service failed to start, failed while running, ended on its own, or failed to stop: exit code 1. */
        SERVICE_FAILED(1),
        /** The shutdown budget ran out, or a stop abandoned work: exit code 3. */
        BUDGET_EXCEEDED(3);

        private final int exitCode;

        Outcome(int exitCode) {
            this.exitCode = exitCode;
        }

        /**
         * The process exit code for this outcome.
         *
         * @return 0, 1 or 3
         */
        public int exitCode() {
            return exitCode;
        }
    }

    /** Builds a {@link Supervisor}. Not thread-safe; a builder is for one thread. */
    public static final class Builder {
        private final List<Service> services = new ArrayList<>();
        private Duration shutdownTimeout = Duration.ofSeconds(30);
        private Duration drainDelay = Duration.ZERO;
        private final List<Runnable> onStarted = new ArrayList<>();
        private final List<Runnable> onShutdown = new ArrayList<>();

        private Builder() {}

        /**
         * Adds a service. Services start in the order added and stop in the reverse order, so add
         * the one that must stop last (metrics) first.
         *
         * @param service the service
         * @return this builder
         */
        public Builder service(Service service) {
            services.add(Objects.requireNonNull(service, "service"));
            return this;
        }

        /**
         * The one budget for the whole shutdown, hooks and drain delay included. Default 30 s.
         *
         * @param timeout positive
         * @return this builder
         */
        public Builder shutdownTimeout(Duration timeout) {
            if (!Objects.requireNonNull(timeout, "timeout").isPositive()) {
                throw new IllegalArgumentException("shutdownTimeout must be positive: " + timeout);
            }
            this.shutdownTimeout = timeout;
            return this;
        }

        /**
         * Waited after the {@code onShutdown} hooks and before the first stop, so load balancers
         * stop routing; counts against the budget. Default 0.
         *
         * @param delay zero or positive
         * @return this builder
         */
        public Builder drainDelay(Duration delay) {
            if (Objects.requireNonNull(delay, "delay").isNegative()) {
                throw new IllegalArgumentException("drainDelay must not be negative: " + delay);
            }
            this.drainDelay = delay;
            return this;
        }

        /**
         * Runs after every service has started (where the launcher turns readiness on). A hook
         * that throws counts as a service failure.
         *
         * @param hook the hook; must not block for long
         * @return this builder
         */
        public Builder onStarted(Runnable hook) {
            onStarted.add(Objects.requireNonNull(hook, "hook"));
            return this;
        }

        /**
         * Runs first when shutdown begins, before the drain delay (where the launcher turns
         * readiness off). A hook that throws is logged, and the shutdown goes on.
         *
         * @param hook the hook; must not block for long
         * @return this builder
         */
        public Builder onShutdown(Runnable hook) {
            onShutdown.add(Objects.requireNonNull(hook, "hook"));
            return this;
        }

        /**
         * The supervisor; the builder may be reused.
         *
         * @return the supervisor
         */
        public Supervisor build() {
            return new Supervisor(this);
        }
    }
}
