package dev.weft.launcher;

import java.io.PrintStream;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * Weft's one log handler: each record as one line on standard output, written through as it is
 * logged, so a line is never lost in a buffer at exit or in a crash. Formats on the logging thread
 * (what {@link LogLineFormatter} relies on), and writes each line with one {@code print}, which
 * {@link PrintStream} makes atomic: lines from threads logging at once never interleave.
 */
final class ConsoleLineHandler extends Handler {

    private final PrintStream out;

    ConsoleLineHandler(PrintStream out, Formatter formatter) {
        this.out = out;
        setFormatter(formatter);
    }

    @Override
    public void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        String line;
        try {
            line = getFormatter().format(record);
        } catch (RuntimeException e) {
            reportError("cannot format a log record", e, ErrorManager.FORMAT_FAILURE);
            return;
        }
        out.print(line);
        out.flush();
    }

    @Override
    public void flush() {
        out.flush();
    }

    /** Flushes; never closes standard output, which others still write to. */
    @Override
    public void close() {
        flush();
    }
}
