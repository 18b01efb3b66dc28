package dev.weft.patterns;

import static dev.weft.patterns.TestThreads.BRIEF;
import static dev.weft.patterns.TestThreads.awaitTrue;
import static dev.weft.patterns.TestThreads.go;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.patterns.TestThreads.Handle;
import dev.weft.patterns.testing.NoLeakedThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedThreads.class)
class SelectTest {

    @Test
    void readyReceiveCaseFiresAndReportsItsIndex() throws Exception {
        Channel<String> a = Channel.buffered(1);
        Channel<String> b = Channel.buffered(1);
        b.send("from b");
        AtomicReference<String> got = new AtomicReference<>();
        int fired = Select.select()
                .onReceive(a, got::set)
                .onReceive(b, got::set)
                .run();
        assertEquals(1, fired);
        assertEquals("from b", got.get());
    }

    @Test
    void defaultRunsWhenNothingIsReadyAndNothingIsTaken() throws Exception {
        Channel<String> a = Channel.unbuffered();
        Channel<String> full = Channel.buffered(1);
        full.send("x");
        AtomicInteger defaults = new AtomicInteger();
        int fired = Select.select()
                .onReceive(a, v -> {})
                .onSend(full, "y", () -> {})
                .orDefault(defaults::incrementAndGet)
                .run();
        assertEquals(-1, fired);
        assertEquals(1, defaults.get());
        assertEquals(0, a.waitingReceivers());
        assertEquals(0, full.waitingSenders());
        assertEquals("x", full.receive());
    }

    @Test
    void blockedSelectWakesOnTheFirstReadyCaseAndWithdrawsFromTheOthers() throws Exception {
        Channel<Integer> a = Channel.unbuffered();
        Channel<Integer> b = Channel.unbuffered();
        Channel<Integer> out = Channel.unbuffered();
        AtomicReference<String> what = new AtomicReference<>();
        Handle selector = go(() -> {
            int fired = Select.select()
                    .onReceive(a, v -> what.set("a" + v))
                    .onReceive(b, v -> what.set("b" + v))
                    .onSend(out, 99, () -> what.set("sent"))
                    .run();
            assertEquals(1, fired);
        });
        awaitTrue("queued on all", () -> a.waitingReceivers() == 1 && b.waitingReceivers() == 1 && out.waitingSenders() == 1);
        assertFalse(selector.finishesWithin(BRIEF));
        b.send(7);
        selector.join();
        assertEquals("b7", what.get());
        assertEquals(0, a.waitingReceivers());
        assertEquals(0, out.waitingSenders());
        assertFalse(a.trySend(1), "no receiver left behind on a");
        assertTrue(out.tryReceive().notReady(), "the unfired send must not happen");
    }

    @Test
    void sendCaseHandsTheValueToAWaitingReceiver() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        Handle receiver = go(() -> assertEquals("v", ch.receive()));
        awaitTrue("receiver queued", () -> ch.waitingReceivers() == 1);
        AtomicInteger sent = new AtomicInteger();
        assertEquals(0, Select.select().onSend(ch, "v", sent::incrementAndGet).run());
        assertEquals(1, sent.get());
        receiver.join();
    }

    @Test
    void exactlyOneOperationTakesEffectWhenTwoBecomeReadyTogether() throws Exception {
        for (int round = 0; round < 200; round++) {
            Channel<Integer> a = Channel.unbuffered();
            Channel<Integer> b = Channel.unbuffered();
            AtomicInteger got = new AtomicInteger();
            Handle selector = go(() -> Select.select().onReceive(a, got::set).onReceive(b, got::set).run());
            awaitTrue("queued", () -> a.waitingReceivers() == 1 && b.waitingReceivers() == 1);
            Handle sa = go(() -> a.send(1));
            Handle sb = go(() -> b.send(2));
            selector.join();
            // The other sender is still blocked: receive its value so it can finish.
            int other = got.get() == 1 ? b.receive() : a.receive();
            assertEquals(3, got.get() + other);
            sa.join();
            sb.join();
        }
    }

    @Test
    void doneCaseFiresWhenTheContextIsCancelledWhileBlocked() throws Exception {
        CancelContext ctx = Context.withCancel(Context.background());
        Channel<Integer> ch = Channel.unbuffered();
        AtomicInteger done = new AtomicInteger();
        Handle selector = go(() -> assertEquals(1,
                Select.select().onReceive(ch, v -> {}).onDone(ctx, done::incrementAndGet).run()));
        awaitTrue("queued", () -> ch.waitingReceivers() == 1);
        ctx.cancel();
        selector.join();
        assertEquals(1, done.get());
        assertEquals(0, ch.waitingReceivers());
    }

    @Test
    void nilChannelCaseIsNeverReady() throws Exception {
        Channel<Integer> nil = null;
        assertEquals(-1, Select.select().onReceive(nil, v -> {}).onSend(nil, 1, () -> {}).orDefault(() -> {}).run());
        Channel<Integer> ch = Channel.buffered(1);
        ch.send(5);
        assertEquals(1, Select.select().onReceive(nil, v -> {}).onReceive(ch, v -> {}).run());
    }

    @Test
    void closedChannels() throws Exception {
        Channel<Integer> closed = Channel.unbuffered();
        closed.close();
        AtomicReference<Received<Integer>> seen = new AtomicReference<>();
        assertEquals(0, Select.select().onReceiveOrClosed(closed, seen::set).run());
        assertTrue(seen.get().closed());
        assertThrows(ChannelClosedException.class, () -> Select.select().onReceive(closed, v -> {}).run());
        assertThrows(ChannelClosedException.class, () -> Select.select().onSend(closed, 1, () -> {}).run());

        // Closing while a select waits wakes it.
        Channel<Integer> ch = Channel.unbuffered();
        Handle receiver = go(() -> Select.select().onReceiveOrClosed(ch, seen::set).run());
        Handle sender = go(() -> Select.select().onSend(ch, 1, () -> {}).onSend(ch, 2, () -> {}).run());
        receiver.join();
        assertTrue(seen.get().ok(), "receiver and sender select must match each other");
        sender.join();
        Channel<Integer> ch2 = Channel.unbuffered();
        Handle blockedSender = go(() -> Select.select().onSend(ch2, 1, () -> {}).run());
        awaitTrue("queued", () -> ch2.waitingSenders() == 1);
        ch2.close();
        assertInstanceOf(ChannelClosedException.class, blockedSender.failure());
    }

    @Test
    void interruptionEndsABlockedSelectAndEmptySelectBlocksUntilInterrupted() throws Exception {
        Channel<Integer> ch = Channel.unbuffered();
        Handle selector = go(() -> Select.select().onReceive(ch, v -> {}).run());
        awaitTrue("queued", () -> ch.waitingReceivers() == 1);
        selector.thread.interrupt();
        assertInstanceOf(InterruptedException.class, selector.failure());
        assertEquals(0, ch.waitingReceivers());

        Handle empty = go(() -> Select.select().run());
        assertFalse(empty.finishesWithin(BRIEF));
        empty.thread.interrupt();
        assertInstanceOf(InterruptedException.class, empty.failure());
    }

    @Test
    void aSelectIsReusableInALoop() throws Exception {
        Channel<Integer> ch = Channel.buffered(10);
        for (int i = 0; i < 10; i++) {
            ch.send(i);
        }
        ch.close();
        List<Integer> got = new ArrayList<>();
        AtomicInteger closedSeen = new AtomicInteger();
        Select loop = Select.select().onReceiveOrClosed(ch, r -> {
            if (r.ok()) {
                got.add(r.value());
            } else {
                closedSeen.incrementAndGet();
            }
        });
        while (closedSeen.get() == 0) {
            loop.run();
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), got);
    }

    @Test
    void sendAndReceiveOnTheSameChannelInOneSelectNeverMatchThemselves() throws Exception {
        Channel<Integer> ch = Channel.unbuffered();
        AtomicInteger fired = new AtomicInteger(-2);
        Handle selector = go(() -> fired.set(Select.select().onSend(ch, 1, () -> {}).onReceive(ch, v -> {}).run()));
        assertFalse(selector.finishesWithin(BRIEF));
        assertEquals(1, ch.receive());
        selector.join();
        assertEquals(0, fired.get());
    }

    @Test
    void choiceAmongReadyCasesIsUniform() throws Exception {
        // Two always-ready channels: closed ones are ready forever.
        Channel<Integer> a = Channel.unbuffered();
        Channel<Integer> b = Channel.unbuffered();
        a.close();
        b.close();
        int n = 100_000;
        int[] counts = new int[2];
        Select select = Select.select().onReceiveOrClosed(a, r -> {}).onReceiveOrClosed(b, r -> {});
        for (int i = 0; i < n; i++) {
            counts[select.run()]++;
        }
        double share = counts[0] / (double) n;
        assertTrue(Math.abs(share - 0.5) <= 0.02, "share of case 0: " + share);

        // Same with values: two buffered channels that are refilled after every select.
        Channel<Integer> c = Channel.buffered(1);
        Channel<Integer> d = Channel.buffered(1);
        c.send(0);
        d.send(1);
        int[] valueCounts = new int[2];
        Select withValues = Select.select()
                .onReceive(c, v -> { valueCounts[v]++; c.trySend(v); })
                .onReceive(d, v -> { valueCounts[v]++; d.trySend(v); });
        for (int i = 0; i < n; i++) {
            withValues.run();
        }
        double valueShare = valueCounts[0] / (double) n;
        assertTrue(Math.abs(valueShare - 0.5) <= 0.02, "share of c: " + valueShare);
    }
}
