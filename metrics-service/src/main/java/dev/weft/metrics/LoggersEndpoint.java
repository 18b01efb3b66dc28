package dev.weft.metrics;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code GET /loggers}, {@code GET /loggers/{name}} and {@code POST /loggers/{name}} with
 * {@code {"level": "DEBUG"}} (or {@code null} to reset): a logger's level, seen and changed at run
 * time, as in Spring Boot's actuator. Changes last until the process ends.
 */
final class LoggersEndpoint {

    /** Trailing garbage after the object is a malformed body, not something to ignore. */
    private static final ObjectReader READER = Problems.JSON.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final String EXAMPLE = "a JSON object such as {\"level\":\"DEBUG\"}, or {\"level\":null} to reset";

    private final LogLevels levels;
    private final boolean writesEnabled;

    LoggersEndpoint(LogLevels levels, boolean writesEnabled) {
        this.levels = levels;
        this.writesEnabled = writesEnabled;
    }

    void list(ServerRequest req, ServerResponse res) throws IOException {
        ObjectNode body = Problems.JSON.createObjectNode();
        ArrayNode names = body.putArray("levels");
        LogLevels.LEVELS.forEach(names::add);
        ArrayNode loggers = body.putArray("loggers");
        levels.loggers().forEach(l -> write(loggers.addObject(), l));
        Problems.json(res, Status.OK_200, body);
    }

    void show(ServerRequest req, ServerResponse res) throws IOException {
        String name = req.path().pathParameters().get("name");
        Optional<LogLevels.Logger> logger = levels.logger(name);
        if (logger.isEmpty()) {
            unknown(res, name);
            return;
        }
        Problems.json(res, Status.OK_200, write(Problems.JSON.createObjectNode(), logger.get()));
    }

    void set(ServerRequest req, ServerResponse res) throws IOException {
        if (Problems.refusedWrite(writesEnabled, res)) {
            return;
        }
        String name = req.path().pathParameters().get("name");
        if (levels.logger(name).isEmpty()) {
            unknown(res, name);
            return;
        }
        boolean json = req.headers().contentType().map(t -> t.test(MediaTypes.APPLICATION_JSON)).orElse(false);
        if (!json) {
            Problems.send(res, Status.UNSUPPORTED_MEDIA_TYPE_415, "unsupported-media-type", "Unsupported media type",
                    "the body must be application/json: " + EXAMPLE);
            return;
        }
        JsonNode body;
        try {
            body = req.content().hasEntity() ? READER.readTree(req.content().as(byte[].class)) : null;
        } catch (IOException e) {
            body = null;
        }
        if (body == null || !body.isObject()) {
            Problems.send(res, Status.BAD_REQUEST_400, "invalid-body", "Invalid body", "expected " + EXAMPLE);
            return;
        }
        JsonNode level = body.get("level");
        String wanted = null;
        if (level != null && !level.isNull()) {
            wanted = level.isTextual() ? level.asText().toUpperCase(Locale.ROOT) : level.toString();
            if (!LogLevels.LEVELS.contains(wanted)) {
                Problems.send(res, Status.BAD_REQUEST_400, "invalid-level", "Invalid level",
                        "level must be one of " + String.join(", ", LogLevels.LEVELS) + " or null, got " + level);
                return;
            }
        }
        Optional<LogLevels.Logger> after = levels.setLevel(name, wanted);
        if (after.isEmpty()) {
            unknown(res, name);
            return;
        }
        Problems.json(res, Status.OK_200, write(Problems.JSON.createObjectNode(), after.get()));
    }

    private static ObjectNode write(ObjectNode node, LogLevels.Logger logger) {
        node.put("name", logger.name());
        node.put("configuredLevel", logger.configuredLevel());
        node.put("effectiveLevel", logger.effectiveLevel());
        return node;
    }

    private static void unknown(ServerResponse res, String name) {
        Problems.send(res, Status.NOT_FOUND_404, "unknown-logger", "Unknown logger",
                "no logger named '" + name + "'; GET /loggers lists them");
    }
}
