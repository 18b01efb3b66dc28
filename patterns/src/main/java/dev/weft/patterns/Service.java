package dev.weft.patterns;

/**
 * A long-running part of a program, run by a {@link Supervisor}: an HTTP server, a worker pool,
 * an admin server. The supervisor calls {@link #start()} once, then watches {@link
 * #awaitTermination()} on its own thread, and calls {@link #stop(Context)} at most once, at
 * shutdown. Implementations must be safe for these calls from different threads.
 */
public interface Service {

    /**
     * A short name for logs ("http", "worker", "metrics").
     *
     * @return the name
     */
    String name();

    /**
     * Starts the service and returns once it is serving. Must be bounded: the supervisor calls it
     * in its own thread and cannot start the next service, or react to signals, until it returns.
     *
     * @throws Exception if the service cannot start; the supervisor then stops those started before
     */
    void start() throws Exception;

    /**
     * Blocks until the service ends by itself or because {@link #stop(Context)} ended it. Must
     * return promptly once {@code stop} has completed, and must respond to interruption.
     *
     * @throws Exception if the service failed; returning normally means it ended cleanly
     * @throws InterruptedException if interrupted while waiting
     */
    void awaitTermination() throws Exception;

    /**
     * Stops the service gracefully within {@code budget}, whose deadline is the end of the whole
     * shutdown: stop intake, finish in-flight work, and when the budget is done, cancel what is
     * left and return. May be called with a budget that is already done; must then return at
     * once. The supervisor interrupts a stop that overruns the budget.
     *
     * @param budget the shutdown budget
     * @return true if all work drained; false if work was abandoned or cancelled at the deadline
     * @throws Exception if stopping failed
     */
    boolean stop(Context budget) throws Exception;
}
