package dev.weft.launcher;

import io.opentelemetry.api.trace.SpanContext;

import java.time.Instant;
import java.time.ZoneId;
import java.util.logging.LogRecord;

/**
 * {@code log.format=text}, for people at a terminal: one line per record,
 *
 * <pre>{@code 13:42:21.318 WARN  [weft-http-7] Checkout trace_id=4bf9… span_id=00f0… - payment declined}</pre>
 *
 * the local time, the level ({@link LogLevelNames}) padded to 5, the thread, the logger's last
 * name segment, inside a traced request its {@code trace_id} and {@code span_id}, the message; a
 * throwable's {@code toString()} follows on the next line (the JSON format carries its stack).
 *
 * <p>The time is formatted by hand, not by {@link java.time.format.DateTimeFormatter}: building a
 * formatter loads the pattern parser and locale data, tens of milliseconds of every start.
 */
final class TextLogFormatter extends LogLineFormatter {

    private final ZoneId zone = ZoneId.systemDefault();

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(128);
        Instant at = record.getInstant();
        long local = at.getEpochSecond() + zone.getRules().getOffset(at).getTotalSeconds();
        appendTimeOfDay(line, Math.floorMod(local, 86_400L), at.getNano() / 1_000_000);
        String level = LogLevelNames.ofRecord(record.getLevel());
        line.append(' ').append(level);
        for (int i = level.length(); i < 5; i++) {
            line.append(' ');
        }
        line.append(" [").append(threadName(record)).append("] ");
        String logger = record.getLoggerName() == null ? "" : record.getLoggerName();
        line.append(logger, logger.lastIndexOf('.') + 1, logger.length());
        SpanContext span = span(record);
        if (span.isValid()) {
            line.append(" trace_id=").append(span.getTraceId()).append(" span_id=").append(span.getSpanId());
        }
        line.append(" - ").append(formatMessage(record)).append(System.lineSeparator());
        if (record.getThrown() != null) {
            line.append(record.getThrown()).append(System.lineSeparator());
        }
        return line.toString();
    }
}
