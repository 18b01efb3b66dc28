package dev.weft.metrics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.util.List;

/** {@code GET /config}: every key, its effective value (secrets masked) and where it came from. */
final class ConfigEndpoint {

    private final List<ConfigEntry> entries;

    ConfigEndpoint(List<ConfigEntry> entries) {
        this.entries = entries;
    }

    void handle(ServerRequest req, ServerResponse res) throws IOException {
        ObjectNode body = Problems.JSON.createObjectNode();
        ArrayNode keys = body.putArray("keys");
        for (ConfigEntry e : entries) {
            keys.addObject()
                    .put("key", e.key())
                    .put("value", e.value())
                    .put("origin", e.origin().label())
                    .put("source", e.source());
        }
        Problems.json(res, Status.OK_200, body);
    }
}
