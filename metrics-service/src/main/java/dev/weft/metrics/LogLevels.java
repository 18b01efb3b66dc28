package dev.weft.metrics;

import java.util.List;
import java.util.Optional;

/**
 * The process's loggers and their levels, as {@code GET/POST /loggers} shows and changes them. The
 * admin server knows no logging backend; the launcher, which owns
 * {@code java.util.logging}, implements this.
 *
 * <p>Implementations are thread-safe: two operators may change levels at once.
 */
public interface LogLevels {

    /** The name under which the root logger is shown and changed. */
    String ROOT = "ROOT";

    /** The levels a logger may be set to, most severe first. */
    List<String> LEVELS = List.of("OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE");

    /**
     * One logger.
     *
     * @param name            its name ({@link #ROOT} for the root logger)
     * @param configuredLevel the level set on this very logger, or null when it inherits its parent's
     * @param effectiveLevel  the level it logs at
     */
    record Logger(String name, String configuredLevel, String effectiveLevel) { }

    /** Every logger the process knows, {@link #ROOT} first, then by name. */
    List<Logger> loggers();

    /** The logger called {@code name}, or empty if the process knows none by that name. */
    Optional<Logger> logger(String name);

    /**
     * Sets a known logger's level, or resets it to what the configuration gave it.
     *
     * @param name  the logger's name
     * @param level one of {@link #LEVELS}, or null to reset
     * @return the logger as it now is, or empty (and nothing changed) if it is unknown
     */
    Optional<Logger> setLevel(String name, String level);

    /** No loggers at all: for an admin server without a logging backend (tests). */
    static LogLevels none() {
        return new LogLevels() {
            @Override
            public List<Logger> loggers() {
                return List.of();
            }

            @Override
            public Optional<Logger> logger(String name) {
                return Optional.empty();
            }

            @Override
            public Optional<Logger> setLevel(String name, String level) {
                return Optional.empty();
            }
        };
    }
}
