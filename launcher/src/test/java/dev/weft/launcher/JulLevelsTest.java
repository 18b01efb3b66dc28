package dev.weft.launcher;

import dev.weft.metrics.LogLevels;
import org.junit.jupiter.api.Test;

import java.lang.ref.Reference;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JulLevelsTest {

    private final JulLevels levels = new JulLevels();

    @Test
    void aLoggerInUseIsKnownAndAnUnusedNameIsNot() {
        Logger used = Logger.getLogger("dev.weft.levels.known");
        assertTrue(levels.logger("dev.weft.levels.known").isPresent());
        assertTrue(levels.loggers().stream().anyMatch(l -> l.name().equals("dev.weft.levels.known")));
        assertEquals(LogLevels.ROOT, levels.loggers().getFirst().name());
        assertTrue(levels.logger("dev.weft.levels.never-used").isEmpty());
        assertTrue(levels.setLevel("dev.weft.levels.never-used", "DEBUG").isEmpty());
        assertTrue(levels.logger("dev.weft.levels.never-used").isEmpty(), "a refused change creates nothing");
        assertNull(used.getLevel());
    }

    @Test
    void aLevelSetTakesEffectAndAResetInheritsAgain() {
        Logger logger = Logger.getLogger("dev.weft.levels.changed");
        String rootLevel = levels.logger(LogLevels.ROOT).orElseThrow().effectiveLevel();
        assertFalse(logger.isLoggable(Level.FINEST));

        LogLevels.Logger set = levels.setLevel("dev.weft.levels.changed", "TRACE").orElseThrow();
        assertEquals("TRACE", set.configuredLevel());
        assertEquals("TRACE", set.effectiveLevel());
        assertTrue(logger.isLoggable(Level.FINEST));

        LogLevels.Logger reset = levels.setLevel("dev.weft.levels.changed", null).orElseThrow();
        assertNull(reset.configuredLevel());
        assertEquals(rootLevel, reset.effectiveLevel());
        assertFalse(logger.isLoggable(Level.FINEST));
    }

    @Test
    void theRootLevelIsChangedAndRestoredToTheConfiguredOne() {
        String configured = levels.logger(LogLevels.ROOT).orElseThrow().configuredLevel();
        Logger child = Logger.getLogger("dev.weft.levels.child-of-root");
        try {
            assertEquals("ERROR", levels.setLevel(LogLevels.ROOT, "ERROR").orElseThrow().effectiveLevel());
            assertFalse(child.isLoggable(Level.WARNING));
            assertEquals("ERROR", levels.logger("dev.weft.levels.child-of-root").orElseThrow().effectiveLevel());
            levels.setLevel(LogLevels.ROOT, "WARN");
        } finally {
            assertEquals(configured, levels.setLevel(LogLevels.ROOT, null).orElseThrow().configuredLevel());
        }
        assertEquals(configured, levels.logger("dev.weft.levels.child-of-root").orElseThrow().effectiveLevel());
    }

    /** JUL holds loggers weakly; a level set through the endpoint must survive a collection. */
    @Test
    void aChangedLoggerKeepsItsLevelWhenNothingElseHoldsIt() {
        assertEquals("DEBUG", setOnAFreshLogger("dev.weft.levels.unreferenced", "DEBUG"));
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        assertEquals("DEBUG", levels.logger("dev.weft.levels.unreferenced").orElseThrow().configuredLevel());
        levels.setLevel("dev.weft.levels.unreferenced", null);
    }

    /** Makes the logger in a frame of its own: once this returns, only {@link JulLevels} can hold it. */
    private String setOnAFreshLogger(String name, String level) {
        Logger made = Logger.getLogger(name);
        String configured = levels.setLevel(name, level).orElseThrow().configuredLevel();
        Reference.reachabilityFence(made);
        return configured;
    }
}
