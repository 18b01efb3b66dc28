package dev.weft.http;

import io.helidon.http.Status;

/**
 * An upstream call that did not succeed, thrown by {@link UpstreamClient.Result#orThrow()}. When
 * it escapes a handler the server answers a problem naming the upstream: 504 if the deadline
 * passed, 503 if the request was cancelled (shutdown), else 502 (error answer, I/O failure, body
 * too large or malformed). It is the upstream's fault or the deadline's, so it is not logged as a
 * server error.
 */
public final class UpstreamException extends RuntimeException {

    private final transient UpstreamClient.Result result;

    UpstreamException(UpstreamClient.Result result) {
        super("upstream " + result.name() + ": " + result.error(), null, false, false);
        this.result = result;
    }

    /** The failed call. */
    public UpstreamClient.Result result() {
        return result;
    }

    /** The status the client gets. */
    public Status status() {
        return switch (result.outcome()) {
            case TIMEOUT -> Status.GATEWAY_TIMEOUT_504;
            case CANCELLED -> Status.SERVICE_UNAVAILABLE_503;
            default -> Status.BAD_GATEWAY_502;
        };
    }

    /** The answer: a problem with {@link #status()} whose detail names the upstream and what went wrong. */
    public Problem problem() {
        return Problem.forStatus(status(), getMessage());
    }
}
