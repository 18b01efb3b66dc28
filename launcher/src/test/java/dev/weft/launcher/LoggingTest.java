package dev.weft.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lines each {@code log.format} writes, what {@link Logging#configure} installs, and the manager that outlives shutdown. */
class LoggingTest {

    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String SPAN_ID = "00f067aa0ba902b7";
    private static final Instant AT = Instant.parse("2026-12-03T13:42:21.318Z");

    @Test
    void textLinesNameLevelThreadAndLoggerAndCarryTraceIdsOnlyInsideASpan() throws Exception {
        TextLogFormatter text = new TextLogFormatter();
        String time = LocalTime.ofInstant(AT, ZoneId.systemDefault()).toString(); // HH:mm:ss.SSS here: 318 ms
        String thread = Thread.currentThread().getName();
        assertEquals(time + " WARN  [" + thread + "] Checkout - payment declined 42" + System.lineSeparator(),
                format(text, record(Level.WARNING, "payment declined {0}", 42)));
        assertEquals(time + " ERROR [" + thread + "] Checkout trace_id=" + TRACE_ID + " span_id=" + SPAN_ID
                        + " - payment failed" + System.lineSeparator() + "java.io.IOException: card service down"
                        + System.lineSeparator(),
                formatInSpan(text, failed()));
    }

    @Test
    void jsonLinesAreEcsWithTraceIdsOnlyInsideASpanAndTheErrorWithItsStack() throws Exception {
        EcsJsonLogFormatter ecs = new EcsJsonLogFormatter();
        ObjectMapper json = new ObjectMapper();
        String line = format(ecs, record(Level.WARNING, "payment \"declined\"\nfor {0}", "ann"));
        assertTrue(line.endsWith("}" + System.lineSeparator()) && line.indexOf('\n') == line.length() - 1,
                "one line, whatever the message holds: " + line);
        JsonNode plain = json.readTree(line);
        assertEquals("payment \"declined\"\nfor ann", plain.path("message").asText());
        assertEquals("WARN", plain.path("log.level").asText());
        assertEquals("dev.weft.shop.Checkout", plain.path("log.logger").asText());
        assertEquals(Thread.currentThread().getName(), plain.path("process.thread.name").asText());
        assertEquals("2026-12-03T13:42:21.318Z", plain.path("@timestamp").asText());
        assertEquals("1.2.0", plain.path("ecs.version").asText());
        assertFalse(plain.has("trace.id") || plain.has("trace_id") || plain.has("error.type"), plain.toString());

        JsonNode traced = json.readTree(formatInSpan(ecs, failed()));
        assertEquals(TRACE_ID, traced.path("trace.id").asText(), traced.toString());
        assertEquals(SPAN_ID, traced.path("span.id").asText(), traced.toString());
        assertEquals(TRACE_ID, traced.path("trace_id").asText(), "the text format's name too: " + traced);
        assertEquals(SPAN_ID, traced.path("span_id").asText(), traced.toString());
        assertEquals("ERROR", traced.path("log.level").asText());
        assertEquals("java.io.IOException", traced.path("error.type").asText());
        assertEquals("card service down", traced.path("error.message").asText());
        assertTrue(traced.path("error.stack_trace").asText().contains("at dev.weft.launcher.LoggingTest.failed"),
                traced.toString());
    }

    @Test
    void aRecordPublishedOffItsThreadNamesThatThreadAndNoSpan() throws Exception {
        LogRecord record = record(Level.INFO, "replayed");
        AtomicReference<String> line = new AtomicReference<>();
        try (Scope ignored = Span.wrap(spanContext()).makeCurrent()) {
            Thread other = Thread.ofPlatform().start(() -> line.set(new TextLogFormatter().format(record)));
            other.join();
        }
        assertTrue(line.get().contains(" [thread-" + Thread.currentThread().threadId() + "] Checkout - replayed"), line.get());
        assertFalse(line.get().contains("trace_id"), line.get());
    }

    @Test
    void levelNamesRoundTripAndJulsOwnLevelsReadAsTheNearest() {
        for (String name : dev.weft.metrics.LogLevels.LEVELS) {
            assertEquals(name, LogLevelNames.ofThreshold(LogLevelNames.threshold(name)));
        }
        assertEquals(List.of("ERROR", "WARN", "INFO", "DEBUG", "DEBUG", "TRACE", "TRACE"),
                List.of(Level.SEVERE, Level.WARNING, Level.INFO, Level.CONFIG, Level.FINE, Level.FINER, Level.FINEST)
                        .stream().map(LogLevelNames::ofRecord).toList());
        assertEquals("INFO", LogLevelNames.ofThreshold(Level.CONFIG), "a CONFIG logger logs every INFO record, not every DEBUG one");
        assertEquals("DEBUG", LogLevelNames.ofThreshold(Level.FINER));
        Logger fatal = Logger.getAnonymousLogger();
        fatal.setLevel(LogLevelNames.threshold("FATAL"));
        assertFalse(fatal.isLoggable(Level.SEVERE), "FATAL lets no ERROR through");
    }

    @Test
    void configureLeavesOneHandlerOnTheRootAndSwapsOnlyTheFormatter() {
        Logger root = LogManager.getLogManager().getLogger("");
        Level before = root.getLevel();
        Handler[] handlers = root.getHandlers();
        try {
            Logging.configure("json", "DEBUG");
            Handler ours = assertInstanceOf(ConsoleLineHandler.class, root.getHandlers()[0]);
            assertEquals(1, root.getHandlers().length, "the JDK's stderr console handler is gone");
            assertInstanceOf(EcsJsonLogFormatter.class, ours.getFormatter());
            assertEquals(Level.FINE, root.getLevel());
            Formatter json = ours.getFormatter();
            Logging.configure("json", "WARN");
            assertSame(json, ours.getFormatter(), "same format: the formatter stays");
            assertEquals(Level.WARNING, root.getLevel());
            Logging.configure("text", "WARN");
            assertSame(ours, root.getHandlers()[0]);
            assertInstanceOf(TextLogFormatter.class, ours.getFormatter());
        } finally {
            for (Handler h : root.getHandlers()) {
                root.removeHandler(h);
            }
            for (Handler h : handlers) {
                root.addHandler(h);
            }
            root.setLevel(before);
        }
    }

    /** ConsoleLineHandler's claim: lines of threads logging at once never interleave, none is lost or doubled. */
    @Test
    void linesLoggedByManyThreadsAtOnceStayWholeAndNoneIsLostOrDoubled() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, false, StandardCharsets.UTF_8);
        ConsoleLineHandler handler = new ConsoleLineHandler(out, new EcsJsonLogFormatter());
        int threads = 8;
        int each = 500;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> loggers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            loggers.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    handler.publish(record(Level.INFO, "thread {0} line {1} " + "x".repeat(200), id, i));
                }
            }));
        }
        go.countDown();
        for (Thread t : loggers) {
            t.join(Duration.ofSeconds(30));
            assertFalse(t.isAlive(), "a logging thread did not finish");
        }
        ObjectMapper json = new ObjectMapper();
        Set<String> seen = new HashSet<>();
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split(System.lineSeparator());
        for (String line : lines) {
            String message = json.readTree(line).path("message").asText(); // throws on a torn line
            assertTrue(seen.add(message.substring(0, message.indexOf(" x"))), "logged twice: " + message);
        }
        assertEquals(threads * each, seen.size(), "every line, once");
    }

    /** The JDK's own manager resets itself from a shutdown hook, dropping every handler while other hooks still log. */
    @Test
    void theLastingManagerKeepsHandlersThroughAResetAndReadsNoJdkConfiguration() {
        LastingLogManager manager = new LastingLogManager();
        Logger logger = new Logger("dev.weft.lasting", null) { };
        Handler handler = new ConsoleLineHandler(System.out, new TextLogFormatter());
        logger.addHandler(handler);
        assertTrue(manager.addLogger(logger));
        manager.readConfiguration();
        manager.reset();
        assertSame(handler, logger.getHandlers()[0]);
        assertEquals(null, manager.getProperty("handlers"), "conf/logging.properties was not read");
    }

    private static LogRecord record(Level level, String message, Object... parameters) {
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName("dev.weft.shop.Checkout");
        record.setInstant(AT);
        record.setParameters(parameters);
        return record;
    }

    private static LogRecord failed() {
        LogRecord record = record(Level.SEVERE, "payment failed");
        record.setThrown(new IOException("card service down"));
        return record;
    }

    private static String format(Formatter formatter, LogRecord record) {
        return formatter.format(record);
    }

    private static String formatInSpan(Formatter formatter, LogRecord record) {
        try (Scope ignored = Span.wrap(spanContext()).makeCurrent()) {
            return formatter.format(record);
        }
    }

    private static SpanContext spanContext() {
        return SpanContext.create(TRACE_ID, SPAN_ID, TraceFlags.getSampled(), TraceState.getDefault());
    }
}
