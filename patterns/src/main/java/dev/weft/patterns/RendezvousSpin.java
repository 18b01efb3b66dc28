package dev.weft.patterns;

/**
 * How long a blocked operation on one unbuffered channel checks for its partner before it parks
 * (and, the same way, how long {@link ErrGroup#go} at its limit watches for a slot): an adaptive
 * spin, in the manner of HotSpot's adaptive spinning on a monitor.
 *
 * <p>A hand-off between two threads on different carriers usually completes within a few hundred
 * nanoseconds, far less than a park and unpark through the scheduler, so a short spin first saves
 * both (ping-pong). But when the carriers have other runnable virtual threads (thousands of
 * channel pairs, a long chain), the partner is usually not running, and a spin only keeps the
 * carrier from the threads that would make progress. So each channel learns: a spin that ended
 * in a hand-off doubles the next one, up to {@link #MAX}; a spin that ended in a park quarters
 * it, down to none. At none, one wait in {@link #PROBE_EVERY} still spins {@link #PROBE} times,
 * so a channel whose traffic turns back into ping-pong finds out. With one processor the partner
 * cannot run while we spin, so nothing spins at all.
 *
 * <p>Thread-safety: the two fields are read and written without synchronisation on purpose. A
 * lost or stale update only makes one wait spin a little more or less than it would have; it
 * never affects what the channel does, only how soon a waiter parks.
 */
final class RendezvousSpin {

    /** The longest spin, in {@link Thread#onSpinWait()} calls; 0 on one processor. */
    static final int MAX = Runtime.getRuntime().availableProcessors() > 1 ? 512 : 0;

    /** The spin of a probing wait, once the budget has dropped to none. */
    static final int PROBE = 32;

    /** How many waits at no budget pass between two probes. */
    static final int PROBE_EVERY = 64;

    private int budget = MAX;
    private int sinceProbe;

    /** How many times the next wait should check for its partner before parking. */
    int spins() {
        int b = budget;
        if (b > 0 || MAX == 0) {
            return b;
        }
        if (++sinceProbe < PROBE_EVERY) {
            return 0;
        }
        sinceProbe = 0;
        return PROBE;
    }

    /**
     * Learns from a wait that spun: {@code parked} says the partner did not come during the spin.
     */
    void record(boolean parked) {
        int b = budget;
        budget = parked ? b >> 2 : Math.min(MAX, Math.max(b << 1, PROBE));
    }
}
