package dev.weft.launcher;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * What both of Weft's log line formats read from a record beyond JUL's own fields: the thread that
 * logged it, and the span current there.
 *
 * <p>Lines are formatted on the thread that logs them (the console handler publishes in the
 * caller), so the current thread is the record's, and so is {@link Span#current()}: inside a
 * traced request's handler ({@code dev.weft.http.Tracing}) it is the request's span. A record
 * published from another thread (the JDK replays records logged before {@code java.util.logging}
 * was ready) gets its thread's id and no span. With tracing off no span is ever current.
 *
 * <p>Thread-safe: formatters keep no state between records.
 */
abstract class LogLineFormatter extends Formatter {

    /** The logging thread's name, or {@code thread-<id>} for a record from another thread. */
    static String threadName(LogRecord record) {
        return loggedHere(record) ? Thread.currentThread().getName() : "thread-" + record.getLongThreadID();
    }

    /** The span current where the record was logged; invalid when none is (or off that thread). */
    static SpanContext span(LogRecord record) {
        return loggedHere(record) ? Span.current().getSpanContext() : SpanContext.getInvalid();
    }

    /** Whether the record is being formatted on the thread that logged it. */
    private static boolean loggedHere(LogRecord record) {
        return Thread.currentThread().threadId() == record.getLongThreadID();
    }

    /** Appends {@code value} in {@code width} digits, zero-padded. */
    static void appendDigits(StringBuilder line, long value, int width) {
        String digits = Long.toString(value);
        for (int i = digits.length(); i < width; i++) {
            line.append('0');
        }
        line.append(digits);
    }

    /** Appends {@code HH:mm:ss.SSS} of {@code secondOfDay} and the milliseconds. */
    static void appendTimeOfDay(StringBuilder line, long secondOfDay, int millis) {
        appendDigits(line, secondOfDay / 3600, 2);
        line.append(':');
        appendDigits(line, secondOfDay / 60 % 60, 2);
        line.append(':');
        appendDigits(line, secondOfDay % 60, 2);
        line.append('.');
        appendDigits(line, millis, 3);
    }
}
