package dev.weft.launcher;

import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Every log line of the process in one format: Weft's own and Helidon's ({@code System.Logger},
 * which the JDK routes to {@code java.util.logging}), and HikariCP's and Flyway's (SLF4J, routed
 * there by {@code slf4j-jdk14}). One {@link ConsoleLineHandler} on the root logger writes them to
 * standard output, formatted as {@code log.format} asks ({@link TextLogFormatter}, {@link
 * EcsJsonLogFormatter}); the root logger's level is {@code log.level}, and {@code /loggers}
 * changes any logger's at run time ({@link JulLevels}).
 *
 * <p>Why {@code java.util.logging} and not a logging library: it is the JDK's, Helidon logs
 * through it anyway, and configured in code it starts in a few milliseconds. Log4j2, which Weft
 * used before, took ~300-500 ms of every start looking up providers, plugins and its
 * configuration (docs/BENCHMARKS.md, section 8).
 */
final class Logging {

    private Logging() {
    }

    /**
     * Installs {@link LastingLogManager} and the handler with the defaults (text, INFO), for the
     * lines logged before the configuration has been read. Must run first, before anything touches
     * {@code java.util.logging}: the JDK reads the manager's property once, on first use.
     */
    static void start() {
        System.setProperty("java.util.logging.manager", LastingLogManager.class.getName());
        configure("text", "INFO");
    }

    /**
     * Applies {@code log.format} and {@code log.level}: sets the root logger's level, and makes Weft's
     * handler the root logger's only one, with the format's formatter (replacing any other handler,
     * such as the JDK's default console handler on standard error where {@link #start()} did not
     * run first).
     *
     * @param format {@code text} or {@code json} (validated by the configuration catalogue)
     * @param level  one of {@code dev.weft.metrics.LogLevels.LEVELS} (likewise)
     */
    static synchronized void configure(String format, String level) {
        Logger root = LogManager.getLogManager().getLogger("");
        root.setLevel(LogLevelNames.threshold(level));
        boolean json = format.equals("json");
        ConsoleLineHandler ours = null;
        for (Handler handler : root.getHandlers()) {
            if (handler instanceof ConsoleLineHandler line && ours == null) {
                ours = line;
            } else {
                root.removeHandler(handler);
            }
        }
        if (ours == null) {
            root.addHandler(new ConsoleLineHandler(System.out, formatter(json)));
        } else if (json != (ours.getFormatter() instanceof EcsJsonLogFormatter)) {
            ours.setFormatter(formatter(json));
        }
    }

    private static Formatter formatter(boolean json) {
        return json ? new EcsJsonLogFormatter() : new TextLogFormatter();
    }
}
