package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.patterns.Context;

/**
 * Runs the jobs of one type. Register one handler per type with {@link
 * WorkerService.Builder#handler(JobHandler)}; {@link #type()} is the name clients submit.
 *
 * <p>Contract: {@link #validate} runs on the submitting request's thread and rejects a bad
 * payload before the job is accepted (the client gets 400 with the exception's message). {@link
 * #run} runs on a thread of its own, once per attempt, under a context that is cancelled when the
 * attempt times out ({@code worker.job-timeout}) or the shutdown budget ends; when that happens
 * the thread is also interrupted. A handler should honour either: one that ignores both is left
 * running and its job is recorded ABANDONED, since Java cannot stop a thread that will not stop.
 * A value returned only after the interrupt is not a result: the attempt timed out (or was
 * cancelled by the shutdown budget).
 * Handlers must be thread-safe: several jobs of a type run at once.
 */
public interface JobHandler {

    /** The job type this handler runs, e.g. {@code "checksum"}: 1-64 of {@code A-Za-z0-9_.-}. */
    String type();

    /**
     * Checks {@code payload} at submission. Must be quick and must not block.
     *
     * @throws InvalidPayloadException with a message for the client, if the payload is unusable
     */
    void validate(JsonNode payload) throws InvalidPayloadException;

    /**
     * Runs one attempt of a job whose payload passed {@link #validate}.
     *
     * @param ctx cancelled at the attempt's deadline or at the end of the shutdown budget
     * @param payload the job's payload
     * @return the job's result (JSON); null is stored as JSON null
     * @throws RetryableJobException for a failure that may go away on its own (the job is tried
     *     again with backoff, up to {@code worker.max-attempts})
     * @throws Exception any other failure: the job fails at once
     */
    JsonNode run(Context ctx, JsonNode payload) throws Exception;

    /** Releases what the handler holds (clients, executors); called once, when the worker stops. */
    default void close() {
    }

    /** A payload that cannot be run; the message is shown to the client. */
    /**
     * Rejects any field of {@code payload} not in {@code known}: a misspelt field silently ignored
     * would run a different job than the client asked for.
     *
     * @throws InvalidPayloadException naming the first unknown field
     */
    static void requireKnownFields(JsonNode payload, java.util.Set<String> known) throws InvalidPayloadException {
        for (var names = payload.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new InvalidPayloadException("unknown field '" + name + "'; expected " + new java.util.TreeSet<>(known));
            }
        }
    }

    final class InvalidPayloadException extends Exception {
        public InvalidPayloadException(String message) {
            super(message, null, false, false);
        }
    }

    /** A failure worth another attempt (a refused connection, a busy upstream). */
    final class RetryableJobException extends Exception {
        public RetryableJobException(String message) {
            super(message);
        }

        public RetryableJobException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
