package dev.weft.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * An RFC 9457 problem: the one shape every error on the public API takes. {@code type} is a
 * stable URI per kind of error that clients may switch on; {@code detail} is for humans and
 * never carries a stack trace.
 *
 * <p>Routes mounted from other modules need not import this class: any {@link
 * io.helidon.http.HttpException} they throw (with a 4xx status its message is the detail), and
 * any Jackson {@link JsonProcessingException} (400 malformed JSON), are turned into a problem by
 * the server's error handlers.
 *
 * @param type   stable identifier of the kind of problem, e.g. {@code urn:weft:problem:invalid-parameter}
 * @param title  short summary of the kind, the same for every occurrence
 * @param status the HTTP status
 * @param detail what went wrong this time
 */
public record Problem(String type, String title, Status status, String detail) {

    /** The media type of every error body. */
    public static final String MEDIA_TYPE = "application/problem+json";

    /**
     * Every problem type starts with this: a URN named after the service, like the admin server's,
     * so that no fork's problem types point at a domain it does not own.
     */
    public static final String TYPE_BASE = "urn:weft:problem:";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A problem whose type is {@code urn:weft:problem:<slug>}. */
    public static Problem of(String slug, String title, Status status, String detail) {
        return new Problem(TYPE_BASE + slug, title, status, detail);
    }

    /**
     * The problem for an HTTP status that has no more specific kind, e.g. one raised by Helidon or
     * by a mounted route. Its type and title depend on the status code alone.
     */
    public static Problem forStatus(Status status, String detail) {
        return switch (status.code()) {
            case 400 -> of("bad-request", "Bad request", status, detail);
            case 401 -> of("unauthorized", "Unauthorized", status, detail);
            case 403 -> of("forbidden", "Forbidden", status, detail);
            case 404 -> of("not-found", "Not found", status, detail);
            case 405 -> of("method-not-allowed", "Method not allowed", status, detail);
            case 413 -> of("payload-too-large", "Payload too large", status, detail);
            case 414 -> of("uri-too-long", "URI too long", status, detail);
            case 415 -> of("unsupported-media-type", "Unsupported media type", status, detail);
            case 429 -> of("rate-limited", "Too many requests", status, detail);
            case 431 -> of("headers-too-large", "Request header fields too large", status, detail);
            case 501 -> of("not-implemented", "Not implemented", status, detail);
            case 502 -> of("upstream-failure", "Upstream failure", status, detail);
            case 503 -> of("unavailable", "Service unavailable", status, detail);
            case 504 -> of("upstream-timeout", "Upstream timeout", status, detail);
            case 505 -> of("http-version-not-supported", "HTTP version not supported", status, detail);
            default -> status.code() >= 500
                    ? of("internal", "Internal error", status, detail)
                    : of("http-" + status.code(), status.reasonPhrase(), status, detail);
        };
    }

    /** The JSON body, with {@code instance} set to {@code instance} and no {@code requestId}. */
    public byte[] toJson(String instance) {
        return toJson(instance, null);
    }

    /** The JSON body, with {@code instance} and, unless null, {@code requestId} (the {@link RequestIds request id}). */
    public byte[] toJson(String instance, String requestId) {
        ObjectNode body = JSON.createObjectNode();
        body.put("type", type);
        body.put("title", title);
        body.put("status", status.code());
        body.put("detail", detail);
        body.put("instance", instance);
        if (requestId != null) {
            body.put("requestId", requestId);
        }
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            // An ObjectNode of strings and ints always serialises.
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends this problem as the response, with {@code instance} set to the request path. Headers
     * already set on {@code res} (e.g. {@code Retry-After}, {@code Allow}) are kept. An answer to
     * HEAD has the headers only, also when it is refused before routing.
     */
    public void send(ServerRequest req, ServerResponse res) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, MEDIA_TYPE);
        byte[] body = toJson(req.path().absolute().rawPath(), RequestIds.of(req));
        if (req.prologue().method() == Method.HEAD) {
            res.headers().contentLength(body.length);
            res.send();
        } else {
            res.send(body);
        }
    }
}
