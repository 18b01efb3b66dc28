package dev.weft.patterns;

import static dev.weft.patterns.TestThreads.go;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.weft.patterns.TestThreads.Handle;
import dev.weft.patterns.testing.NoLeakedThreads;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Many messages through many threads: every message arrives exactly once, and each consumer sees
 * each producer's messages in the order they were sent.
 */
@ExtendWith(NoLeakedThreads.class)
class ChannelStressTest {

    private static final int PRODUCERS = 4;
    private static final int CONSUMERS = 4;
    private static final int TOTAL = 1_000_000;
    private static final int PER_PRODUCER = TOTAL / PRODUCERS;

    /** What one consumer saw: per producer, the sequence numbers it received, checked in order. */
    private static final class Seen {
        final BitSet[] received = new BitSet[PRODUCERS];
        final int[] last = new int[PRODUCERS];

        Seen() {
            for (int p = 0; p < PRODUCERS; p++) {
                received[p] = new BitSet(PER_PRODUCER);
                last[p] = -1;
            }
        }

        void accept(long message) {
            int producer = (int) (message >>> 32);
            int seq = (int) message;
            if (seq <= last[producer]) {
                fail("producer " + producer + ": " + seq + " after " + last[producer]);
            }
            last[producer] = seq;
            received[producer].set(seq);
        }
    }

    private static long message(int producer, int seq) {
        return ((long) producer << 32) | seq;
    }

    private static void assertExactlyOnce(List<Seen> seen) {
        for (int p = 0; p < PRODUCERS; p++) {
            BitSet union = new BitSet(PER_PRODUCER);
            int total = 0;
            for (Seen s : seen) {
                total += s.received[p].cardinality();
                union.or(s.received[p]);
            }
            assertEquals(PER_PRODUCER, total, "producer " + p + ": messages received (duplicates count twice)");
            assertEquals(PER_PRODUCER, union.cardinality(), "producer " + p + ": distinct messages received");
        }
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 64})
    void fourProducersFourConsumersAMillionMessages(int capacity) throws Exception {
        Channel<Long> ch = new Channel<>(capacity);
        AtomicInteger producing = new AtomicInteger(PRODUCERS);
        List<Handle> threads = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            int producer = p;
            threads.add(go(() -> {
                try {
                    for (int seq = 0; seq < PER_PRODUCER; seq++) {
                        ch.send(message(producer, seq));
                    }
                } finally {
                    if (producing.decrementAndGet() == 0) {
                        ch.close();
                    }
                }
            }));
        }
        List<Seen> seen = new ArrayList<>();
        for (int c = 0; c < CONSUMERS; c++) {
            Seen s = new Seen();
            seen.add(s);
            boolean useRange = c % 2 == 0;
            threads.add(go(() -> {
                if (useRange) {
                    for (long m : ch) {
                        s.accept(m);
                    }
                } else {
                    for (Received<Long> r = ch.receiveOrClosed(); r.ok(); r = ch.receiveOrClosed()) {
                        s.accept(r.value());
                    }
                }
            }));
        }
        for (Handle h : threads) {
            h.join();
        }
        assertExactlyOnce(seen);
    }

    @ParameterizedTest(name = "capacity {0}")
    @ValueSource(ints = {0, 64})
    void aMillionMessagesThroughSelectOverFourChannels(int capacity) throws Exception {
        List<Channel<Long>> channels = new ArrayList<>();
        for (int i = 0; i < PRODUCERS; i++) {
            channels.add(new Channel<>(capacity));
        }
        CancelContext never = Context.withCancel(Context.background());
        List<Handle> threads = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            int producer = p;
            Channel<Long> own = channels.get(p);
            threads.add(go(() -> {
                try {
                    for (int seq = 0; seq < PER_PRODUCER; seq++) {
                        // select { case own <- m: case <-ctx.Done(): }
                        boolean sent = Select.<Boolean>select()
                                .onSend(own, message(producer, seq), () -> true).onDone(never, () -> false).run();
                        assertTrue(sent);
                    }
                } finally {
                    own.close();
                }
            }));
        }
        List<Seen> seen = new ArrayList<>();
        for (int c = 0; c < CONSUMERS; c++) {
            Seen s = new Seen();
            seen.add(s);
            threads.add(go(() -> {
                // Go's idiom: set a channel to nil once it is closed, stop when all are nil.
                @SuppressWarnings("unchecked")
                Channel<Long>[] live = channels.toArray(new Channel[0]);
                int open = live.length;
                while (open > 0) {
                    // Each case answers -1 for a value, or its index once its channel is closed.
                    Select<Integer> select = Select.select();
                    for (int i = 0; i < live.length; i++) {
                        int index = i;
                        select.onReceiveOrClosed(live[i], r -> {
                            if (r.ok()) {
                                s.accept(r.value());
                                return -1;
                            }
                            return index;
                        });
                    }
                    // Reuse the same select until one of its channels closes.
                    int closedIndex;
                    while ((closedIndex = select.run()) < 0) {
                        // a value was taken
                    }
                    live[closedIndex] = null;
                    open--;
                }
            }));
        }
        for (Handle h : threads) {
            h.join();
        }
        never.cancel();
        assertExactlyOnce(seen);
    }

    @Test
    void closeRacingBlockedSendersAndReceiversNeverHangsOrLosesAWakeUp() throws Exception {
        for (int round = 0; round < 1_000; round++) {
            Channel<Integer> ch = new Channel<>(round % 3); // unbuffered, 1 and 2
            AtomicInteger sent = new AtomicInteger();
            AtomicInteger received = new AtomicInteger();
            List<Handle> threads = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                threads.add(go(() -> {
                    try {
                        ch.send(1);
                        sent.incrementAndGet();
                    } catch (ChannelClosedException expected) {
                        // closed before or while blocked
                    }
                }));
                threads.add(go(() -> {
                    while (ch.receiveOrClosed().ok()) {
                        received.incrementAndGet();
                    }
                }));
            }
            if (round % 2 == 0) {
                Thread.yield();
            }
            ch.close();
            for (Handle h : threads) {
                h.join(); // bounded: a lost wake-up fails here instead of hanging
            }
            assertEquals(sent.get(), received.get(), "round " + round + ": every completed send is received once");
            assertTrue(ch.receiveOrClosed().closed());
        }
    }
}
