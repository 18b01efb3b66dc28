package dev.weft.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;
import org.apache.logging.log4j.message.SimpleMessage;
import org.apache.logging.log4j.util.SortedArrayStringMap;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lines {@link LogConfiguration} writes in each {@code log.format}, and when {@link Logging} rebuilds it. */
class LoggingTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN_ID = "00f067aa0ba902b7";

    @Test
    void textLinesNameLevelThreadAndLoggerAndCarryTraceIdsOnlyInsideASpan() {
        ConsoleAppender out = appender("text", "INFO");
        assertInstanceOf(PatternLayout.class, out.getLayout(), "text: the pattern layout only");
        String plain = line(out, Map.of());
        assertTrue(plain.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  \\[request-1] Checkout - payment declined\\R"), plain);
        String traced = line(out, Map.of("trace_id", TRACE_ID, "span_id", SPAN_ID));
        assertTrue(traced.endsWith(" WARN  [request-1] Checkout trace_id=" + TRACE_ID + " span_id=" + SPAN_ID
                + " - payment declined" + System.lineSeparator()), traced);
    }

    @Test
    void jsonLinesAreEcsWithTraceIdsOnlyInsideASpan() throws Exception {
        ConsoleAppender out = appender("json", "INFO");
        assertInstanceOf(JsonTemplateLayout.class, out.getLayout());
        ObjectMapper json = new ObjectMapper();
        JsonNode plain = json.readTree(line(out, Map.of()));
        assertEquals("payment declined", plain.path("message").asText());
        assertEquals("WARN", plain.path("log.level").asText());
        assertEquals("dev.weft.shop.Checkout", plain.path("log.logger").asText());
        assertEquals("request-1", plain.path("process.thread.name").asText());
        assertTrue(plain.has("@timestamp"), plain.toString());
        assertFalse(plain.has("trace.id") || plain.has("span.id"), plain.toString());
        JsonNode traced = json.readTree(line(out, Map.of("trace_id", TRACE_ID, "span_id", SPAN_ID)));
        assertEquals(TRACE_ID, traced.path("trace.id").asText(), traced.toString());
        assertEquals(SPAN_ID, traced.path("span.id").asText(), traced.toString());
    }

    @Test
    void theRootLevelIsTheConfiguredOne() {
        LogConfiguration config = new LogConfiguration(null, "text", "WARN");
        config.initialize();
        assertEquals(Level.WARN, config.getRootLogger().getLevel());
        assertFalse(config.isShutdownHookEnabled(), "logging stays up while other shutdown hooks run");
        assertTrue(config.<ConsoleAppender>getAppender("out").getImmediateFlush(), "nothing left to flush at exit");
    }

    @Test
    void configureRebuildsOnlyWhenTheFormatOrTheLevelDiffers() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        try {
            Logging.configure("json", "DEBUG");
            Configuration json = context.getConfiguration();
            assertEquals("json", assertInstanceOf(LogConfiguration.class, json).format());
            assertEquals(Level.DEBUG, context.getRootLogger().getLevel());
            Logging.configure("json", "DEBUG");
            assertSame(json, context.getConfiguration(), "same values: not rebuilt");
            Logging.configure("json", "WARN");
            assertEquals(Level.WARN, context.getRootLogger().getLevel());
        } finally {
            context.reconfigure(); // what the test JVM had: Log4j2's own default
        }
    }

    private static ConsoleAppender appender(String format, String level) {
        LogConfiguration config = new LogConfiguration(null, format, level);
        config.initialize();
        return config.getAppender("out");
    }

    private static String line(ConsoleAppender out, Map<String, String> contextData) {
        LogEvent event = Log4jLogEvent.newBuilder()
                .setLoggerName("dev.weft.shop.Checkout")
                .setLevel(Level.WARN)
                .setThreadName("request-1")
                .setTimeMillis(System.currentTimeMillis())
                .setMessage(new SimpleMessage("payment declined"))
                .setContextData(new SortedArrayStringMap(contextData))
                .build();
        return (String) out.getLayout().toSerializable(event);
    }
}
