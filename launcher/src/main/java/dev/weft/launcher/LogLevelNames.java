package dev.weft.launcher;

import java.util.logging.Level;

/**
 * The level names Weft shows and accepts (SLF4J's and Log4j's: {@code TRACE} … {@code FATAL},
 * {@code OFF}), over {@code java.util.logging}'s levels. A record's name is what its level enables
 * at least; a logger's threshold is named for the most detailed level it lets through in full.
 *
 * <p>The same mapping as SLF4J's {@code slf4j-jdk14} (trace FINEST, debug FINE, info INFO, warn
 * WARNING, error SEVERE), so Hikari's and Flyway's lines keep their own levels. JUL's CONFIG and
 * FINER fall between: a CONFIG record reads DEBUG, a FINER one TRACE.
 */
final class LogLevelNames {

    /** Above SEVERE: a logger at FATAL lets no ERROR through, as in Log4j. JUL has no such level. */
    static final Level FATAL = new Level("FATAL", 1100) { };

    private LogLevelNames() {
    }

    /** The name of a record's level in log lines. */
    static String ofRecord(Level level) {
        int v = level.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "ERROR";
        } else if (v >= Level.WARNING.intValue()) {
            return "WARN";
        } else if (v >= Level.INFO.intValue()) {
            return "INFO";
        } else if (v >= Level.FINE.intValue()) {
            return "DEBUG";
        }
        return "TRACE";
    }

    /** The name of a logger's threshold: the most detailed of Weft's levels it logs in full. */
    static String ofThreshold(Level level) {
        int v = level.intValue();
        if (v == Level.OFF.intValue()) {
            return "OFF";
        } else if (v > Level.SEVERE.intValue()) {
            return "FATAL";
        } else if (v > Level.WARNING.intValue()) {
            return "ERROR";
        } else if (v > Level.INFO.intValue()) {
            return "WARN";
        } else if (v > Level.FINE.intValue()) {
            return "INFO";
        } else if (v > Level.FINEST.intValue()) {
            return "DEBUG";
        }
        return "TRACE";
    }

    /**
     * The threshold for one of Weft's names ({@code dev.weft.metrics.LogLevels.LEVELS}).
     *
     * @throws IllegalArgumentException for any other name
     */
    static Level threshold(String name) {
        return switch (name) {
            case "OFF" -> Level.OFF;
            case "FATAL" -> FATAL;
            case "ERROR" -> Level.SEVERE;
            case "WARN" -> Level.WARNING;
            case "INFO" -> Level.INFO;
            case "DEBUG" -> Level.FINE;
            case "TRACE" -> Level.FINEST;
            default -> throw new IllegalArgumentException("not a log level: " + name);
        };
    }
}
