package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.weft.patterns.BoundedRun;
import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Context;
import dev.weft.patterns.ContextDoneException;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;

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
    /** Why a running attempt was cancelled: the job's error and the span's description. */
    private static final String CANCELLED = "shutdown budget ended while running";

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
    private final JobTracing tracing;
    private final Ends ends;

    AttemptLoop(WorkerConfig config, JobStore store, Context lifetime, JobTracing tracing, Ends ends) {
        this.config = config;
        this.store = store;
        this.lifetime = lifetime;
        this.tracing = tracing;
        this.ends = ends;
    }

    /**
     * Runs {@code c} from attempt {@code first} on; {@code handler} null means an unknown type.
     * Each attempt, with how it ends the job or schedules the next, runs inside its span ({@link
     * JobTracing}, when on); the backoff wait of an in-place retry is outside every attempt's.
     */
    void run(JobStore.Claim c, JobHandler handler, int first) {
        if (handler == null) {
            ends.end(c, JobState.FAILED, null, "no handler for job type '" + c.type() + "' on this replica");
            return;
        }
        int next = first;
        while (true) {
            int attempt = next;
            Span span = tracing.startAttempt(c, attempt);
            io.opentelemetry.context.Context trace = span == null ? null : io.opentelemetry.context.Context.root().with(span);
            Outcome outcome = null;
            Duration retryIn;
            try (Scope current = trace == null ? null : trace.makeCurrent()) {
                outcome = attempt(c, handler, trace);
                retryIn = settle(c, attempt, outcome);
            } finally {
                endSpan(span, c, outcome);
            }
            if (retryIn == null) {
                return;
            }
            try {
                config.sleeper().sleep(lifetime, retryIn);
            } catch (ContextDoneException | InterruptedException e) {
                ends.end(c, JobState.CANCELLED, null, "shutdown budget ended while waiting to retry (attempt "
                        + attempt + " failed: " + ((Failure) outcome).message() + ")");
                return;
            }
            next = store.beginAttempt(c);
        }
    }

    /**
     * Acts on the outcome of attempt {@code attempt}: ends the job, hands it back, or has the
     * store retry it. Returns how long to wait before retrying it in place (a store that does not
     * retry by itself), or null when the job left this loop.
     */
    private Duration settle(JobStore.Claim c, int attempt, Outcome outcome) {
        if (leaseLost(c, outcome)) {
            LOG.log(Level.WARNING, "job " + c.id() + ": lease lost during attempt " + attempt
                    + "; left to the store, which runs it again once the lease expires");
            return null;
        }
        switch (outcome) {
            case Success s -> ends.end(c, JobState.SUCCEEDED, s.result(), null);
            case Failure f when f.retryable() && !last(attempt) -> {
                Duration wait = config.backoff().delay(attempt, config.random());
                String why = "attempt " + attempt + " failed: " + f.message();
                LOG.log(Level.DEBUG, "job " + c.id() + " " + why + "; retrying in " + wait.toMillis() + " ms");
                return store.retryLater(c, wait, why) ? null : wait;
            }
            case Failure f -> ends.end(c, JobState.FAILED, null, f.retryable()
                    ? "failed after " + attempt + " attempts: " + f.message() : f.message());
            case TimedOut t -> ends.end(c, JobState.FAILED, null, timedOut());
            case Cancelled x -> handBackOrEnd(c, JobState.CANCELLED, CANCELLED);
            case Abandoned a -> {
                if (lifetime.isDone()) {
                    handBackOrEnd(c, JobState.ABANDONED, a.reason());
                } else {
                    ends.end(c, JobState.ABANDONED, null, a.reason());
                }
            }
        }
        return null;
    }

    /** The attempt did not succeed because this replica lost the job's lease, not by shutdown. */
    private boolean leaseLost(JobStore.Claim c, Outcome outcome) {
        return !(outcome instanceof Success) && c.lease().isDone() && !lifetime.isDone();
    }

    /** Ends an attempt's span with its outcome: anything but a success is an error, {@code error.type} saying which. */
    private void endSpan(Span span, JobStore.Claim c, Outcome outcome) {
        if (span == null) {
            return;
        }
        if (outcome != null && leaseLost(c, outcome)) {
            JobTracing.endAttempt(span, "lease_lost", "the lease on the job was lost");
            return;
        }
        switch (outcome) {
            case null -> JobTracing.endAttempt(span, "internal", "the worker failed outside the handler");
            case Success s -> JobTracing.endAttempt(span, null, null);
            case Failure f -> JobTracing.endAttempt(span, "failed", f.message());
            case TimedOut t -> JobTracing.endAttempt(span, "timeout", timedOut());
            case Cancelled x -> JobTracing.endAttempt(span, "cancelled", CANCELLED);
            case Abandoned a -> JobTracing.endAttempt(span, "abandoned", a.reason());
        }
    }

    private String timedOut() {
        return "timed out after " + config.jobTimeout().toMillis() + " ms";
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
    private Outcome attempt(JobStore.Claim c, JobHandler handler, io.opentelemetry.context.Context trace) {
        Context parent = trace == null ? lifetime : Context.withValue(lifetime, JobTracing.KEY, trace);
        CancelContext ctx = Context.withTimeout(parent, config.jobTimeout());
        Context.AfterFunc onLeaseLost = c.lease().afterFunc(() -> ctx.cancel(c.lease().cause()));
        try {
            BoundedRun.Outcome<JsonNode> run = BoundedRun.run("job", ctx, Duration.ZERO, config.abandonGrace(), given -> {
                // The handler's own thread: its log lines carry the attempt's trace ids too.
                try (Scope current = trace == null ? null : trace.makeCurrent()) {
                    return handler.run(given, c.payload());
                }
            });
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
