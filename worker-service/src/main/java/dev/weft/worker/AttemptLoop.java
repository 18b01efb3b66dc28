package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.weft.patterns.BoundedRun;
import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Context;
import dev.weft.patterns.ContextDoneException;

import java.lang.System.Logger.Level;
import java.time.Duration;

/**
 * Runs the attempts of one claimed job until it ends or goes back to the store: each attempt
 * under a context with the attempt's deadline ({@code worker.job-timeout}), bounded by {@link
 * BoundedRun}; a retryable failure is retried after a {@link Backoff} up to {@code
 * worker.max-attempts}; a timeout or any other failure ends the job FAILED. At the end of the
 * shutdown budget a running attempt is cancelled, and its job handed back to a shared store or,
 * when the store cannot take it (memory), ended CANCELLED. A throwing or hanging handler never
 * kills the worker.
 */
final class AttemptLoop {

    private static final System.Logger LOG = System.getLogger(AttemptLoop.class.getName());

    /** How a job leaves the loop; the service counts and logs each exactly once. */
    interface Ends {
        /** Ends the job in terminal {@code state}; false if it already ended. */
        boolean end(JobStore.Claim c, JobState state, JsonNode result, String error);

        /** The job went back to the shared store for another replica, its attempt not counted. */
        void handedBack(JobStore.Claim c);
    }

    private sealed interface Outcome permits Success, Failure, TimedOut, Cancelled, Abandoned { }

    private record Success(JsonNode result) implements Outcome { }

    private record Failure(String message, boolean retryable) implements Outcome { }

    private record TimedOut() implements Outcome { }

    private record Cancelled() implements Outcome { }

    private record Abandoned(String reason) implements Outcome { }

    private final WorkerConfig config;
    private final JobStore store;
    /** The service's context: done when the shutdown budget ends. */
    private final Context lifetime;
    private final Ends ends;

    AttemptLoop(WorkerConfig config, JobStore store, Context lifetime, Ends ends) {
        this.config = config;
        this.store = store;
        this.lifetime = lifetime;
        this.ends = ends;
    }

    /** Runs {@code c} from attempt {@code attempt} on; {@code handler} null means an unknown type. */
    void run(JobStore.Claim c, JobHandler handler, int first) {
        if (handler == null) {
            ends.end(c, JobState.FAILED, null, "no handler for job type '" + c.type() + "' on this replica");
            return;
        }
        int next = first;
        while (true) {
            int attempt = next;
            Outcome outcome = attempt(c, handler);
            if (!(outcome instanceof Success) && c.lease().isDone() && !lifetime.isDone()) {
                LOG.log(Level.WARNING, "job " + c.id() + ": lease lost during attempt " + attempt
                        + "; left to the store, which runs it again once the lease expires");
                return;
            }
            switch (outcome) {
                case Success s -> {
                    ends.end(c, JobState.SUCCEEDED, s.result(), null);
                    return;
                }
                case Failure f when f.retryable() && !last(attempt) -> {
                    Duration wait = config.backoff().delay(attempt, config.random());
                    String why = "attempt " + attempt + " failed: " + f.message();
                    LOG.log(Level.DEBUG, "job " + c.id() + " " + why + "; retrying in " + wait.toMillis() + " ms");
                    if (store.retryLater(c, wait, why)) {
                        return;
                    }
                    try {
                        config.sleeper().sleep(lifetime, wait);
                    } catch (ContextDoneException | InterruptedException e) {
                        ends.end(c, JobState.CANCELLED, null, "shutdown budget ended while waiting to retry (" + why + ")");
                        return;
                    }
                    next = store.beginAttempt(c);
                }
                case Failure f -> {
                    ends.end(c, JobState.FAILED, null, f.retryable()
                            ? "failed after " + attempt + " attempts: " + f.message() : f.message());
                    return;
                }
                case TimedOut t -> {
                    ends.end(c, JobState.FAILED, null, "timed out after " + config.jobTimeout().toMillis() + " ms");
                    return;
                }
                case Cancelled x -> {
                    handBackOrEnd(c, JobState.CANCELLED, "shutdown budget ended while running");
                    return;
                }
                case Abandoned a -> {
                    if (lifetime.isDone()) {
                        handBackOrEnd(c, JobState.ABANDONED, a.reason());
                    } else {
                        ends.end(c, JobState.ABANDONED, null, a.reason());
                    }
                    return;
                }
            }
        }
    }

    private boolean last(int attempt) {
        return attempt >= config.maxAttempts();
    }

    private void handBackOrEnd(JobStore.Claim c, JobState state, String reason) {
        if (store.release(c)) {
            ends.handedBack(c);
        } else {
            ends.end(c, state, null, reason);
        }
    }

    /**
     * One attempt: the handler under the attempt's context, on a thread of its own through {@link
     * BoundedRun}: interrupted as soon as the context is done (no grace before the interrupt, as
     * {@link JobHandler} promises), and left behind if it is still running the
     * abandon grace later. A handler that ends only once interrupted, returning or throwing, was
     * stopped: timed out or cancelled, never a success.
     */
    private Outcome attempt(JobStore.Claim c, JobHandler handler) {
        CancelContext ctx = Context.withTimeout(lifetime, config.jobTimeout());
        Context.AfterFunc onLeaseLost = c.lease().afterFunc(() -> ctx.cancel(c.lease().cause()));
        try {
            BoundedRun.Outcome<JsonNode> run = BoundedRun.run("job", ctx, Duration.ZERO, config.abandonGrace(),
                    given -> handler.run(given, c.payload()));
            // BoundedRun waits through an interrupt and restores it; nobody interrupts pool
            // workers but a stop gone wrong, and the pool would stop this thread for good.
            Thread.interrupted();
            return switch (run) {
                case BoundedRun.Returned<JsonNode>(JsonNode r, var _) -> new Success(r == null ? NullNode.getInstance() : r);
                // It failed because it was stopped (an InterruptedException, ctx.err()), not on its own.
                case BoundedRun.Threw<JsonNode> _ when ctx.isDone() -> stopped();
                case BoundedRun.Threw<JsonNode>(Throwable failure, var _) -> failure(failure);
                case BoundedRun.Stopped<JsonNode> _ -> stopped();
                case BoundedRun.Abandoned<JsonNode> _ -> new Abandoned("the handler ignored cancellation and interruption for "
                        + config.abandonGrace().toMillis() + " ms after "
                        + (lifetime.isDone() ? "the shutdown budget ended" : "its timeout") + "; left running");
            };
        } finally {
            onLeaseLost.stop();
            ctx.cancel();
        }
    }

    /** An attempt ended by its context: by the shutdown budget, else by its deadline (or a lost lease). */
    private Outcome stopped() {
        return lifetime.isDone() ? new Cancelled() : new TimedOut();
    }

    private static Outcome failure(Throwable e) {
        if (e instanceof VirtualMachineError fatal) {
            throw fatal;
        }
        return new Failure(describe(e), e instanceof JobHandler.RetryableJobException);
    }

    /** Class and message: enough to act on, and never a stack trace. */
    private static String describe(Throwable e) {
        if (e instanceof JobHandler.RetryableJobException && e.getMessage() != null) {
            return e.getMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
