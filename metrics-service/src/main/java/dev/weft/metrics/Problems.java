package dev.weft.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;

/** How the admin server answers: JSON bodies, RFC 9457 problems, 405 with {@code Allow}. */
final class Problems {

    static final ObjectMapper JSON = new ObjectMapper();

    private Problems() {
    }

    /** An RFC 9457 problem with a stable {@code urn:weft:problem:} type and no stack trace. */
    static void send(ServerResponse res, Status status, String type, String title, String detail) {
        ObjectNode body = JSON.createObjectNode();
        body.put("type", "urn:weft:problem:" + type);
        body.put("title", title);
        body.put("status", status.code());
        body.put("detail", detail);
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/problem+json");
        try {
            res.send(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            res.send();
        }
    }

    /** A JSON body that must not be cached: it describes the process at this moment. */
    static void json(ServerResponse res, Status status, JsonNode body) throws IOException {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.header(HeaderNames.CACHE_CONTROL, "no-store");
        res.send(JSON.writeValueAsBytes(body));
    }

    /**
     * Answers every other method on {@code path} with 405 and {@code Allow}. Register it after the
     * path's own routes, which match first.
     */
    static void allowOnly(HttpRules rules, String path, String allow) {
        rules.any(path, (req, res) -> {
            res.header(HeaderNames.ALLOW, allow);
            send(res, Status.METHOD_NOT_ALLOWED_405, "method-not-allowed", "Method not allowed",
                    req.prologue().method().text() + " is not allowed on " + req.path().path() + "; allowed: " + allow);
        });
    }

    /**
     * Refuses a state-changing request while {@code admin.write-endpoints.enabled} is false: 403, not
     * 404, because the endpoint exists (the README lists it) and the operator needs the key's name,
     * not a hint that the path is wrong.
     *
     * @return true if the request was refused and answered
     */
    static boolean refusedWrite(boolean writesEnabled, ServerResponse res) {
        if (writesEnabled) {
            return false;
        }
        send(res, Status.FORBIDDEN_403, "write-endpoints-disabled", "Write endpoints disabled",
                "the admin endpoints that change state are off; set admin.write-endpoints.enabled=true to turn them on");
        return true;
    }
}
