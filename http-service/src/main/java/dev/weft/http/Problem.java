package dev.weft.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * An RFC 9457 problem: the one shape every error on the public API takes. {@code type} is a
 * stable URI per kind of error that clients may switch on; {@code detail} is for humans and
 * never carries a stack trace.
 *
 * @param type   stable identifier of the kind of problem, e.g. {@code https://weft.dev/problems/invalid-parameter}
 * @param title  short summary of the kind, the same for every occurrence
 * @param status the HTTP status
 * @param detail what went wrong this time
 */
public record Problem(String type, String title, Status status, String detail) {

    /** The media type of every error body. */
    public static final String MEDIA_TYPE = "application/problem+json";

    private static final String TYPE_BASE = "https://weft.dev/problems/";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A problem whose type is {@code https://weft.dev/problems/<slug>}. */
    public static Problem of(String slug, String title, Status status, String detail) {
        return new Problem(TYPE_BASE + slug, title, status, detail);
    }

    /** Sends this problem as the response, with {@code instance} set to the request path. */
    public void send(ServerRequest req, ServerResponse res) {
        ObjectNode body = JSON.createObjectNode();
        body.put("type", type);
        body.put("title", title);
        body.put("status", status.code());
        body.put("detail", detail);
        body.put("instance", req.path().absolute().rawPath());
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, MEDIA_TYPE);
        try {
            res.send(JSON.writeValueAsBytes(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // An ObjectNode of strings and ints always serialises.
            throw new IllegalStateException(e);
        }
    }
}
