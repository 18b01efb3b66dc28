package dev.weft.examples.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Context;
import dev.weft.patterns.ContextDoneException;
import dev.weft.patterns.testing.NoLeakedThreads;
import dev.weft.worker.JobHandler.InvalidPayloadException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@ExtendWith(NoLeakedThreads.class)
class WordCountHandlerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final WordCountHandler handler = new WordCountHandler();

    @Test
    void countsLinesAndWords() throws Exception {
        var payload = JSON.readTree("{\"text\": \"one two\\n\\n  three  \"}");
        handler.validate(payload);
        assertEquals(JSON.readTree("{\"lines\": 3, \"words\": 3}"), handler.run(Context.background(), payload));
    }

    @Test
    void rejectsAPayloadWithoutTextOrWithUnknownFields() {
        assertThrows(InvalidPayloadException.class, () -> handler.validate(JSON.readTree("{\"text\": 5}")));
        assertThrows(InvalidPayloadException.class, () -> handler.validate(JSON.readTree("{\"txt\": \"a\"}")));
    }

    @Test
    void stopsWhenItsContextIsDone() throws Exception {
        CancelContext ctx = Context.withCancel(Context.background());
        ctx.cancel();
        assertThrows(ContextDoneException.class, () -> handler.run(ctx, JSON.readTree("{\"text\": \"a\"}")));
    }
}
