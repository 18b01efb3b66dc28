package dev.weft.worker;

import dev.weft.patterns.Context;

import java.util.List;
import java.util.Optional;

/**
 * Where accepted jobs wait for a worker. The in-memory {@link InMemoryJobQueue} is the default; a
 * durable queue can replace it without touching handlers or the pool, as long as it keeps this
 * contract. All methods are thread-safe.
 */
public interface JobQueue {

    /**
     * Adds a job if there is room. Never blocks. Not called after {@link #close()}.
     *
     * @return false if the queue is full
     */
    boolean offer(Job job);

    /**
     * Takes the oldest job, waiting for one if the queue is empty.
     *
     * @return the job, or empty once the queue is closed and drained
     * @throws dev.weft.patterns.ContextDoneException if {@code ctx} is done first
     * @throws InterruptedException if interrupted while waiting
     */
    Optional<Job> take(Context ctx) throws InterruptedException;

    /** No more offers; {@link #take} hands out what is left, then reports the end. Idempotent. */
    void close();

    /** Removes and returns every job still waiting, for the shutdown sweep. Never blocks. */
    List<Job> drain();

    /** Jobs waiting now (a snapshot). */
    int size();

    /** Most jobs that may wait at once. */
    int capacity();
}
