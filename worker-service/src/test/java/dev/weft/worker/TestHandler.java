package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.weft.patterns.Context;

/** A handler for tests: {@code body} runs each attempt; payloads with {"bad": true} are invalid. */
final class TestHandler implements JobHandler {

    @FunctionalInterface
    interface Body {
        JsonNode run(Context ctx, JsonNode payload) throws Exception;
    }

    private final String type;
    private final Body body;

    TestHandler(String type, Body body) {
        this.type = type;
        this.body = body;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public void validate(JsonNode payload) throws InvalidPayloadException {
        if (payload.path("bad").asBoolean(false)) {
            throw new InvalidPayloadException("bad is set");
        }
    }

    @Override
    public JsonNode run(Context ctx, JsonNode payload) throws Exception {
        return body.run(ctx, payload);
    }
}
