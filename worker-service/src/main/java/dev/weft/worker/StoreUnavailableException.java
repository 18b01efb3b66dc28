package dev.weft.worker;

/**
 * The job store cannot be reached (the database is down or every pooled connection is busy).
 * The HTTP layer answers 503 with {@code Retry-After}: the client did nothing wrong, and the
 * request may succeed once the store is back.
 */
public final class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
