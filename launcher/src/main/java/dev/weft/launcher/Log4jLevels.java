package dev.weft.launcher;

import dev.weft.metrics.LogLevels;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.LoggerConfig;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@link LogLevels} over Log4j2, which the launcher owns ({@link Logging}): the loggers Log4j2 has
 * created or configured, and their levels changed at run time.
 *
 * <p>A logger is known once code has asked for it or the configuration declares it; the admin
 * endpoint answers 404 for any other name rather than create loggers on demand. Setting a level
 * gives the logger its own config (as {@link Configurator#setLevel(String, Level)} does); resetting
 * undoes exactly that: it removes a config the endpoint created, or restores the level the
 * configuration gave. Changes last until exit or a reconfiguration, which only start-up does.
 *
 * <p>Thread-safe: every method holds this object's lock, so that two operators' changes do not
 * interleave between reading and writing the configuration.
 */
final class Log4jLevels implements LogLevels {

    /** Loggers whose own config this class created: a reset removes it. */
    private final Set<String> created = new HashSet<>();
    /** The explicit level (null: inherited) of a declared logger before its first change: a reset restores it. */
    private final Map<String, Level> declared = new HashMap<>();

    @Override
    public synchronized List<Logger> loggers() {
        LoggerContext ctx = context();
        TreeSet<String> names = new TreeSet<>();
        ctx.getLoggers().forEach(l -> names.add(l.getName()));
        names.addAll(ctx.getConfiguration().getLoggers().keySet());
        names.remove("");
        List<Logger> all = new ArrayList<>();
        all.add(describe(ctx, LogLevels.ROOT));
        names.forEach(n -> all.add(describe(ctx, n)));
        return all;
    }

    @Override
    public synchronized Optional<Logger> logger(String name) {
        LoggerContext ctx = context();
        return known(ctx, name) ? Optional.of(describe(ctx, name)) : Optional.empty();
    }

    @Override
    public synchronized Optional<Logger> setLevel(String name, String level) {
        LoggerContext ctx = context();
        if (!known(ctx, name)) {
            return Optional.empty();
        }
        String key = log4jName(name);
        Configuration config = ctx.getConfiguration();
        LoggerConfig own = ownConfig(config, key);
        if (level != null) {
            if (own == null) {
                created.add(key);
            } else if (!created.contains(key) && !declared.containsKey(key)) {
                declared.put(key, own.getExplicitLevel());
            }
            Configurator.setLevel(key, Level.valueOf(level));
        } else if (created.remove(key)) {
            config.removeLogger(key);
            ctx.updateLoggers();
        } else if (declared.containsKey(key)) {
            own.setLevel(declared.remove(key));
            ctx.updateLoggers();
        }
        return Optional.of(describe(ctx, name));
    }

    private static LoggerContext context() {
        return (LoggerContext) LogManager.getContext(false);
    }

    private static boolean known(LoggerContext ctx, String name) {
        if (name.equals(LogLevels.ROOT)) {
            return true;
        }
        return ctx.getConfiguration().getLoggers().containsKey(name)
                || ctx.getLoggers().stream().anyMatch(l -> l.getName().equals(name));
    }

    private static Logger describe(LoggerContext ctx, String name) {
        String key = log4jName(name);
        LoggerConfig own = ownConfig(ctx.getConfiguration(), key);
        Level configured = own == null ? null : own.getExplicitLevel();
        Level effective = ctx.getConfiguration().getLoggerConfig(key).getLevel();
        return new Logger(name, configured == null ? null : configured.name(), effective.name());
    }

    /** The config declared for exactly this logger, or null when it uses an ancestor's. */
    private static LoggerConfig ownConfig(Configuration config, String key) {
        return key.isEmpty() ? config.getRootLogger() : config.getLoggers().get(key);
    }

    /** Log4j2 names the root logger "". */
    private static String log4jName(String name) {
        return name.equals(LogLevels.ROOT) ? "" : name;
    }
}
