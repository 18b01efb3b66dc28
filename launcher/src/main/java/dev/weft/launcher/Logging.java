package dev.weft.launcher;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;

import java.util.Objects;

/**
 * Routes every log line (ours, and Helidon's through {@code java.util.logging}) to Log4j2, in the
 * format {@code log.format} asks for. See {@code log4j2.xml}.
 */
final class Logging {

    private Logging() {
    }

    /**
     * Installs the JUL bridge. Must run before anything touches {@code java.util.logging}, which
     * reads this property once, on first use.
     */
    static void bridgeJul() {
        System.setProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
    }

    /**
     * Applies the configured format and level; lines logged before this used the defaults. Log4j
     * reads both properties when it builds its configuration, which it has usually done already
     * (Helidon's config logs): it is rebuilt only when a value differs from the one it was built
     * with (unset means log4j2.xml's defaults, text and INFO), since a rebuild costs start-up time.
     */
    static void configure(String format, String level) {
        String builtFormat = System.setProperty("weft.log.format", format);
        String builtLevel = System.setProperty("weft.log.level", level);
        if (!format.equals(Objects.requireNonNullElse(builtFormat, "text"))
                || !level.equals(Objects.requireNonNullElse(builtLevel, "INFO"))) {
            ((LoggerContext) LogManager.getContext(false)).reconfigure();
        }
    }

    /** Flushes and stops logging; the last thing before exit. */
    static void shutdown() {
        LogManager.shutdown();
    }
}
