package dev.weft.launcher;

import dev.weft.metrics.LogLevels;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Log4jLevelsTest {

    private final Log4jLevels levels = new Log4jLevels();

    @Test
    void aLoggerInUseIsKnownAndAnUnusedNameIsNot() {
        Logger used = LogManager.getLogger("dev.weft.levels.known");
        used.trace("touch");
        assertTrue(levels.logger("dev.weft.levels.known").isPresent());
        assertTrue(levels.loggers().stream().anyMatch(l -> l.name().equals("dev.weft.levels.known")));
        assertEquals(LogLevels.ROOT, levels.loggers().getFirst().name());
        assertTrue(levels.logger("dev.weft.levels.never-used").isEmpty());
        assertTrue(levels.setLevel("dev.weft.levels.never-used", "DEBUG").isEmpty());
        assertTrue(levels.logger("dev.weft.levels.never-used").isEmpty(), "a refused change creates nothing");
    }

    @Test
    void aLevelSetTakesEffectAndAResetInheritsAgain() {
        Logger logger = LogManager.getLogger("dev.weft.levels.changed");
        String rootLevel = levels.logger(LogLevels.ROOT).orElseThrow().effectiveLevel();
        assertFalse(logger.isTraceEnabled());

        LogLevels.Logger set = levels.setLevel("dev.weft.levels.changed", "TRACE").orElseThrow();
        assertEquals("TRACE", set.configuredLevel());
        assertEquals("TRACE", set.effectiveLevel());
        assertTrue(logger.isTraceEnabled());

        LogLevels.Logger reset = levels.setLevel("dev.weft.levels.changed", null).orElseThrow();
        assertNull(reset.configuredLevel());
        assertEquals(rootLevel, reset.effectiveLevel());
        assertFalse(logger.isTraceEnabled());
    }

    @Test
    void theRootLevelIsChangedAndRestoredToTheConfiguredOne() {
        String configured = levels.logger(LogLevels.ROOT).orElseThrow().configuredLevel();
        Logger child = LogManager.getLogger("dev.weft.levels.child-of-root");
        try {
            assertEquals("ERROR", levels.setLevel(LogLevels.ROOT, "ERROR").orElseThrow().effectiveLevel());
            assertFalse(child.isWarnEnabled());
            levels.setLevel(LogLevels.ROOT, "WARN");
        } finally {
            assertEquals(configured, levels.setLevel(LogLevels.ROOT, null).orElseThrow().configuredLevel());
        }
        assertEquals(configured, levels.logger("dev.weft.levels.child-of-root").orElseThrow().effectiveLevel());
    }
}
