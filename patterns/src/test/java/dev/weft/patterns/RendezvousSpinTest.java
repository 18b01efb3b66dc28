package dev.weft.patterns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The adaptive spin's rule, driven directly: no timing involved. */
class RendezvousSpinTest {

    @BeforeEach
    void multiCoreOnly() {
        assumeTrue(RendezvousSpin.MAX > 0, "one processor: nothing ever spins");
    }

    @Test
    void spinsThatEndInAParkShrinkToNoneAndHandOffsGrowBackToTheMax() {
        RendezvousSpin spin = new RendezvousSpin();
        assertEquals(RendezvousSpin.MAX, spin.spins(), "starts optimistic");
        while (spin.spins() > 0) {
            spin.record(true);
        }
        assertEquals(0, spin.spins());
        spin.record(false);
        assertEquals(RendezvousSpin.PROBE, spin.spins(), "a hand-off after a probe restarts at the probe's spin");
        for (int i = 0; i < 20; i++) {
            spin.record(false);
        }
        assertEquals(RendezvousSpin.MAX, spin.spins(), "never beyond the max");
    }

    @Test
    void atNoBudgetOneWaitInProbeEveryStillSpins() {
        RendezvousSpin spin = new RendezvousSpin();
        while (spin.spins() > 0) {
            spin.record(true);
        }
        // The call that found the budget at none was the first of the waits at none.
        int probes = 0;
        for (int i = 1; i < 10 * RendezvousSpin.PROBE_EVERY; i++) {
            int s = spin.spins();
            if (s > 0) {
                assertEquals(RendezvousSpin.PROBE, s);
                spin.record(true);          // the probe found no partner either
                probes++;
            }
        }
        assertEquals(10, probes, "one in every " + RendezvousSpin.PROBE_EVERY);
    }
}
