package dev.weft.launcher;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.opentelemetry.api.trace.SpanContext;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.logging.LogRecord;

/**
 * {@code log.format=json}, for containers and log shippers: one JSON object per line in the
 * Elastic Common Schema, the fields Elastic's own ECS layouts write:
 *
 * <ul>
 *   <li>{@code @timestamp} (UTC, milliseconds), {@code log.level} ({@link LogLevelNames}),
 *       {@code message}, {@code ecs.version}, {@code process.thread.name}, {@code log.logger};
 *   <li>inside a traced request or job attempt, {@code trace.id} and {@code span.id}, and the same
 *       ids as {@code trace_id} and {@code span_id}, the text format's names, so that one log
 *       query finds a trace's lines in either format;
 *   <li>with a throwable, {@code error.type}, {@code error.message} and {@code error.stack_trace}.
 * </ul>
 *
 * <p>Jackson's streaming generator writes the line, so every string is escaped as JSON requires;
 * a message never breaks a line in two, whatever it holds.
 */
final class EcsJsonLogFormatter extends LogLineFormatter {

    /** The ECS version whose field names these are. */
    static final String ECS_VERSION = "1.2.0";

    private final JsonFactory json = new JsonFactory();

    @Override
    public String format(LogRecord record) {
        StringWriter line = new StringWriter(256);
        try (JsonGenerator out = json.createGenerator(line)) {
            out.writeStartObject();
            out.writeStringField("@timestamp", timestamp(record.getInstant()));
            out.writeStringField("log.level", LogLevelNames.ofRecord(record.getLevel()));
            out.writeStringField("message", formatMessage(record));
            out.writeStringField("ecs.version", ECS_VERSION);
            out.writeStringField("process.thread.name", threadName(record));
            out.writeStringField("log.logger", record.getLoggerName());
            SpanContext span = span(record);
            if (span.isValid()) {
                out.writeStringField("trace.id", span.getTraceId());
                out.writeStringField("span.id", span.getSpanId());
                out.writeStringField("trace_id", span.getTraceId());
                out.writeStringField("span_id", span.getSpanId());
            }
            Throwable thrown = record.getThrown();
            if (thrown != null) {
                out.writeStringField("error.type", thrown.getClass().getName());
                out.writeStringField("error.message", thrown.getMessage());
                StringWriter stack = new StringWriter();
                thrown.printStackTrace(new PrintWriter(stack));
                out.writeStringField("error.stack_trace", stack.toString());
            }
            out.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("a StringWriter does not fail", e);
        }
        return line.append(System.lineSeparator()).toString();
    }

    /** {@code yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}, by hand (see {@link TextLogFormatter} for why). */
    private static String timestamp(Instant at) {
        StringBuilder out = new StringBuilder(24);
        long seconds = at.getEpochSecond();
        LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(seconds, 86_400L));
        appendDigits(out, day.getYear(), 4);
        out.append('-');
        appendDigits(out, day.getMonthValue(), 2);
        out.append('-');
        appendDigits(out, day.getDayOfMonth(), 2);
        out.append('T');
        appendTimeOfDay(out, Math.floorMod(seconds, 86_400L), at.getNano() / 1_000_000);
        return out.append('Z').toString();
    }
}
