package dev.weft.patterns;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task on its own thread for at most as long as a context lives, plus a grace: the one way
 * in this library to call code that may ignore its context and its interrupt, and still get on.
 *
 * <pre>{@code
 * CancelContext ctx = Context.withTimeout(Context.background(), Duration.ofSeconds(2));
 * try {
 *     switch (BoundedRun.run("health", ctx, Duration.ofMillis(100), check::run)) {
 *         case BoundedRun.Returned<Boolean>(Boolean up, boolean late) -> report(up && !late);
 *         case BoundedRun.Threw<Boolean>(Throwable failure, boolean late) -> report(failure);
 *         case BoundedRun.Stopped<Boolean> stopped -> report("timed out; stopped by interrupt");
 *         case BoundedRun.Abandoned<Boolean> abandoned -> report("timed out; thread left behind");
 *     }
 * } finally {
 *     ctx.cancel();
 * }
 * }</pre>
 *
 * <p><b>Semantics.</b> {@link #run} starts {@code task} on a new Weft virtual thread (the given
 * role), passing it {@code ctx}, and waits for the first of: the task ending, or {@code ctx}
 * being done. If the task ended, that is the outcome ({@link Returned} or {@link Threw}). Otherwise
 * it waits {@code grace} more, so a task that honours its context can wind down (answer, record,
 * close) with the context done; a task that ends then is still {@link Returned} or {@link Threw},
 * with {@code late} set. If it is still running, its thread is interrupted and given {@code grace}
 * once more: ending then is {@link Stopped}; still running after that is {@link Abandoned}, and
 * the thread is left to end whenever it does (Java cannot stop a thread that ignores both its
 * context and its interrupt). So {@code run} returns within {@code 2 * grace} after {@code ctx} is
 * done, whatever the task does. A zero grace interrupts as soon as the context is done and waits
 * no further.
 *
 * <p><b>Blocking and interruption.</b> {@code run} blocks until the outcome is known, and does not
 * give up when the calling thread is interrupted: like {@code StructuredTaskScope.close()}, it
 * remembers the interrupt, keeps waiting under the same bounds, and restores the interrupt status
 * before it returns. Bound it with {@code ctx}; with a context that is never done it waits for the
 * task however long that takes.
 *
 * <p><b>Where it is used.</b> {@link Supervisor} runs each service's stop this way (the shutdown
 * budget as the context, {@link Supervisor#GRACE} as the grace). A job runner's attempt fits the
 * same shape: the attempt's context (its deadline), a grace for the handler to answer, and
 * {@link Abandoned} recorded as an abandoned job rather than a worker held forever.
 *
 * <p><b>Memory visibility.</b> Actions before {@code run} happen-before the task starts; everything
 * the task did happens-before {@code run} returns {@link Returned}, {@link Threw} or {@link
 * Stopped}. An {@link Abandoned} task has no such edge.
 */
public final class BoundedRun {

    private BoundedRun() {}

    /**
     * The work of a bounded run.
     *
     * @param <T> what it returns
     */
    @FunctionalInterface
    public interface Task<T> {
        /**
         * Does the work; should return (or throw) soon after {@code ctx} is done.
         *
         * @param ctx the context given to {@link #run}
         * @return the value, possibly null
         * @throws Exception any failure; it becomes the outcome {@link Threw} or {@link Stopped}
         */
        T run(Context ctx) throws Exception;
    }

    /**
     * How a bounded run ended.
     *
     * @param <T> the task's value type
     */
    public sealed interface Outcome<T> permits Returned, Threw, Stopped, Abandoned {}

    /**
     * The task returned without being interrupted.
     *
     * @param value what it returned
     * @param late true if {@code ctx} was already done when it returned (it finished within the
     *     grace, not within the context's life)
     * @param <T> the value type
     */
    public record Returned<T>(T value, boolean late) implements Outcome<T> {}

    /**
     * The task threw without being interrupted.
     *
     * @param failure what it threw
     * @param late true if {@code ctx} was already done when it threw
     * @param <T> the value type
     */
    public record Threw<T>(Throwable failure, boolean late) implements Outcome<T> {}

    /**
     * The task outlived {@code ctx} and the grace, was interrupted, and then ended within the
     * second grace.
     *
     * @param failure what it threw (typically an {@link InterruptedException}), or null if it
     *     returned
     * @param <T> the value type
     */
    public record Stopped<T>(Throwable failure) implements Outcome<T> {}

    /**
     * The task was still running a grace after being interrupted; its thread is left behind.
     *
     * @param thread the thread still running the task, for logs and diagnostics
     * @param <T> the value type
     */
    public record Abandoned<T>(Thread thread) implements Outcome<T> {}

    /**
     * Runs {@code task} on a new Weft virtual thread and waits for it, bounded by {@code ctx} plus
     * {@code grace} and one more {@code grace} after an interrupt; see the class description.
     *
     * @param role the thread's role, for its name ({@code weft-<role>-<n>})
     * @param ctx passed to the task; its end starts the grace
     * @param grace how long the task gets after {@code ctx} is done, and again after the interrupt;
     *     zero or positive
     * @param task the work
     * @param <T> the task's value type
     * @return how the task ended
     * @throws IllegalArgumentException if {@code grace} is negative
     */
    public static <T> Outcome<T> run(String role, Context ctx, Duration grace, Task<? extends T> task) {
        return run(role, ctx, grace, grace, task);
    }

    /**
     * As {@link #run(String, Context, Duration, Task)}, with a different grace after the
     * interrupt: {@code run} then returns within {@code grace + interruptGrace} after {@code ctx}
     * is done.
     *
     * @param role the thread's role, for its name ({@code weft-<role>-<n>})
     * @param ctx passed to the task; its end starts the grace
     * @param grace how long the task gets after {@code ctx} is done, before the interrupt
     * @param interruptGrace how long it gets after the interrupt, before it is abandoned
     * @param task the work
     * @param <T> the task's value type
     * @return how the task ended
     * @throws IllegalArgumentException if a grace is negative
     */
    public static <T> Outcome<T> run(String role, Context ctx, Duration grace, Duration interruptGrace,
                                     Task<? extends T> task) {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(ctx, "ctx");
        Objects.requireNonNull(task, "task");
        long graceNanos = graceNanos(grace);
        long interruptGraceNanos = graceNanos(interruptGrace);
        Run<T> run = new Run<>();
        // Woken by whichever comes first: the task's end or the context's.
        CountDownLatch wake = new CountDownLatch(1);
        Thread thread = WeftThreads.start(role, () -> run.execute(ctx, task, wake));
        Registration registration = Contexts.onDone(ctx, wake::countDown);
        boolean interrupted = false;
        try {
            interrupted |= awaitUninterruptibly(wake, Long.MAX_VALUE);
            interrupted |= awaitUninterruptibly(run.ended, graceNanos);
            if (run.ended.getCount() != 0) {
                run.interruptedByUs = true;
                thread.interrupt();
                interrupted |= awaitUninterruptibly(run.ended, interruptGraceNanos);
            }
        } finally {
            registration.remove();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return run.outcome(thread);
    }

    private static long graceNanos(Duration grace) {
        if (Objects.requireNonNull(grace, "grace").isNegative()) {
            throw new IllegalArgumentException("negative grace: " + grace);
        }
        return Contexts.saturatedNanos(grace);
    }

    /** What the task's thread records; the latch's count-down publishes the fields before it. */
    private static final class Run<T> {
        final CountDownLatch ended = new CountDownLatch(1);
        private T value;
        private Throwable failure;
        private boolean late;

        /**
         * Set just before the interrupt; read by the task thread once the task ended, so an ending
         * after the decision to interrupt counts as stopped.
         */
        volatile boolean interruptedByUs;
        private boolean stopped;

        void execute(Context ctx, Task<? extends T> task, CountDownLatch wake) {
            try {
                value = task.run(ctx);
            } catch (Throwable t) {
                failure = t;
            } finally {
                late = ctx.isDone();
                stopped = interruptedByUs;
                ended.countDown();
                wake.countDown();
            }
        }

        Outcome<T> outcome(Thread thread) {
            if (ended.getCount() != 0) {
                return new Abandoned<>(thread);
            }
            if (stopped) {
                return new Stopped<>(failure);
            }
            return failure != null ? new Threw<>(failure, late) : new Returned<>(value, late);
        }
    }

    /** @return true if the calling thread was interrupted while waiting (its status is then clear) */
    private static boolean awaitUninterruptibly(CountDownLatch latch, long nanos) {
        boolean interrupted = false;
        long start = System.nanoTime();
        while (true) {
            try {
                // Elapsed time, not a deadline, so a huge bound cannot overflow.
                latch.await(nanos - (System.nanoTime() - start), TimeUnit.NANOSECONDS);
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }
}
