package dev.weft.worker;

/**
 * The life of a job. {@code QUEUED → RUNNING → SUCCEEDED | FAILED | CANCELLED | ABANDONED}; a job
 * still queued when the shutdown budget ends goes straight from {@code QUEUED} to {@code
 * ABANDONED}. A terminal state is final: a job enters exactly one, once.
 */
public enum JobState {
    /** Accepted and waiting in the queue. */
    QUEUED,
    /** A worker runs it (or waits out a retry backoff between attempts). */
    RUNNING,
    /** The handler returned a result. */
    SUCCEEDED,
    /** The handler failed (not retryable, or out of attempts), or the attempt timed out. */
    FAILED,
    /** Running when the shutdown budget ended; its handler stopped when its context was cancelled. */
    CANCELLED,
    /**
     * Given up on without an outcome: still queued when the shutdown budget ended, or its handler
     * ignored both its context and interruption and was left behind.
     */
    ABANDONED;

    /** Whether the state is final. */
    public boolean terminal() {
        return this != QUEUED && this != RUNNING;
    }
}
