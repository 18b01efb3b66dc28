package dev.weft.launcher;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * Routes every log line (ours, and Helidon's through {@code java.util.logging}) to Log4j2, in the
 * format {@code log.format} asks for; {@link LogConfiguration} is the configuration.
 *
 * <p>Log4j2 is started once and never stopped. Its one appender writes each line through to
 * standard output as it is logged, so there is nothing to flush at exit; and a stopped Log4j2
 * starts again on the next logger anyone asks for, which {@code System.exit} itself does (the
 * JDK's {@code java.lang.Runtime} exit logger), paying a configuration search on the way out
 * (~100 ms of the stop, docs/BENCHMARKS.md section 8).
 */
final class Logging {

    private Logging() {
    }

    /**
     * Starts Log4j2 with the defaults (text, INFO), for the lines logged before the configuration
     * has been read, and installs the JUL bridge. Must run first: before anything touches {@code
     * java.util.logging}, which reads its manager property once, on first use, and before anything
     * asks Log4j2 for a logger, which would make it search for a configuration file.
     */
    static void start() {
        System.setProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
        Configurator.initialize(new LogConfiguration(null, "text", "INFO"));
    }

    /**
     * Applies the configured format and level. Rebuilds the configuration only when one differs
     * from what it was built with, which is never for the defaults: a rebuild costs start-up time.
     */
    static void configure(String format, String level) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        if (context.getConfiguration() instanceof LogConfiguration built
                && built.format().equals(format) && built.level().name().equals(level)) {
            return;
        }
        context.reconfigure(new LogConfiguration(context, format, level));
    }
}
