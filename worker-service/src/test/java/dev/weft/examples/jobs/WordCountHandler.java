package dev.weft.examples.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.weft.patterns.Context;
import dev.weft.worker.JobHandler;

import java.util.Set;

/** Job type {@code word-count}: payload {@code {"text": "..."}}, result {@code {"lines": n, "words": n}}. */
public final class WordCountHandler implements JobHandler {

    @Override
    public String type() {
        return "word-count";
    }

    @Override
    public void validate(JsonNode payload) throws InvalidPayloadException {
        JobHandler.requireKnownFields(payload, Set.of("text"));
        if (!payload.path("text").isTextual()) {
            throw new InvalidPayloadException("text must be a string");
        }
    }

    @Override
    public JsonNode run(Context ctx, JsonNode payload) {
        int lines = 0;
        int words = 0;
        for (String line : payload.get("text").asText().split("\n")) {
            ctx.throwIfDone(); // a cancelled or timed-out job stops between lines
            lines++;
            words += line.isBlank() ? 0 : line.strip().split("\\s+").length;
        }
        return JsonNodeFactory.instance.objectNode().put("lines", lines).put("words", words);
    }
}
