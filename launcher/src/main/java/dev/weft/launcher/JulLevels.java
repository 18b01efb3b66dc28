package dev.weft.launcher;

import dev.weft.metrics.LogLevels;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.logging.Level;
import java.util.logging.LogManager;

/**
 * {@link LogLevels} over {@code java.util.logging}, which the launcher owns ({@link Logging}): the
 * loggers that exist, and their levels changed at run time, under Weft's level names
 * ({@link LogLevelNames}).
 *
 * <p>A logger is known once code has asked for it; the admin endpoint answers 404 for any other
 * name rather than create loggers on demand. A reset restores the level the logger had before its
 * first change (for the root logger, {@code log.level}; for the others, usually none, so they
 * inherit again). Changes last until exit.
 *
 * <p>JUL holds loggers weakly: a logger nobody references may be collected, and a new one made
 * later under its name would have lost the level. So this class holds every logger it changed
 * until its reset.
 *
 * <p>Thread-safe: every method holds this object's lock, so that two operators' changes do not
 * interleave between reading and writing a level.
 */
final class JulLevels implements LogLevels {

    /**
     * The loggers changed here and not reset, by JUL name, with the level each had before its
     * first change (empty: it inherited). Holding the logger keeps it, and its level, alive.
     */
    private final Map<String, Changed> changed = new HashMap<>();

    private record Changed(java.util.logging.Logger logger, Optional<Level> before) { }

    @Override
    public synchronized List<Logger> loggers() {
        TreeSet<String> names = new TreeSet<>(Collections.list(LogManager.getLogManager().getLoggerNames()));
        names.remove("");
        List<Logger> all = new ArrayList<>();
        all.add(describe(LogLevels.ROOT, root()));
        for (String name : names) {
            java.util.logging.Logger logger = LogManager.getLogManager().getLogger(name);
            if (logger != null) { // collected since it was listed
                all.add(describe(name, logger));
            }
        }
        return all;
    }

    @Override
    public synchronized Optional<Logger> logger(String name) {
        return find(name).map(logger -> describe(name, logger));
    }

    @Override
    public synchronized Optional<Logger> setLevel(String name, String level) {
        Optional<java.util.logging.Logger> found = find(name);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        java.util.logging.Logger logger = found.get();
        String key = julName(name);
        if (level != null) {
            changed.putIfAbsent(key, new Changed(logger, Optional.ofNullable(logger.getLevel())));
            logger.setLevel(LogLevelNames.threshold(level));
        } else {
            Changed was = changed.remove(key);
            if (was != null) {
                logger.setLevel(was.before().orElse(null));
            }
        }
        return Optional.of(describe(name, logger));
    }

    private static Optional<java.util.logging.Logger> find(String name) {
        return Optional.ofNullable(LogManager.getLogManager().getLogger(julName(name)));
    }

    private static java.util.logging.Logger root() {
        return LogManager.getLogManager().getLogger("");
    }

    private static Logger describe(String name, java.util.logging.Logger logger) {
        Level own = logger.getLevel();
        Level effective = own;
        for (java.util.logging.Logger l = logger; effective == null && l != null; l = l.getParent()) {
            effective = l.getLevel();
        }
        return new Logger(name, own == null ? null : LogLevelNames.ofThreshold(own),
                LogLevelNames.ofThreshold(effective == null ? Level.INFO : effective));
    }

    /** JUL names the root logger "". */
    private static String julName(String name) {
        return name.equals(LogLevels.ROOT) ? "" : name;
    }
}
