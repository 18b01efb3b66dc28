package dev.weft.launcher;

import java.util.logging.LogManager;

/**
 * The {@code java.util.logging} manager of the launcher ({@link Logging} installs it): the
 * configuration is made in code, and it lasts until the JVM has ended.
 *
 * <ul>
 *   <li>{@link #readConfiguration()} reads nothing: the JDK's {@code conf/logging.properties}
 *       would add a {@link java.util.logging.ConsoleHandler} on standard error, which
 *       {@link Logging} would only remove again.
 *   <li>{@link #reset()} does nothing: the JDK's manager resets itself from a shutdown hook,
 *       which removes every handler while other hooks, running at the same time, may still log.
 *       Weft's one handler writes each line through as it is logged, so there is nothing to close.
 * </ul>
 *
 * <p>Public with a public constructor because the JDK instantiates it by name from the system
 * property {@code java.util.logging.manager}.
 */
public final class LastingLogManager extends LogManager {

    /** Called by the JDK, once, when {@code java.util.logging} is first used. */
    public LastingLogManager() {
    }

    @Override
    public void readConfiguration() {
        // Configured in code (Logging).
    }

    @Override
    public void reset() {
        // Handlers stay until the JVM ends.
    }
}
