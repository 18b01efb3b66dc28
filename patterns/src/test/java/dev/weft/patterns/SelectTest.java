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
    void readyReceiveCaseFiresAndItsHandlerValueIsTheResult() throws Exception {
        Channel<String> a = Channel.buffered(1);
        Channel<String> b = Channel.buffered(1);
        b.send("from b");
        String got = Select.<String>select()
                .onReceive(a, v -> "a: " + v)
                .onReceive(b, v -> "b: " + v)
                .run();
        assertEquals("b: from b", got);
    }

    @Test
    void defaultRunsWhenNothingIsReadyAndNothingIsTaken() throws Exception {
        Channel<String> a = Channel.unbuffered();
        Channel<String> full = Channel.buffered(1);
        full.send("x");
        String fired = Select.<String>select()
                .onReceive(a, v -> "received")
                .onSend(full, "y", () -> "sent")
                .orDefault(() -> "default")
                .run();
        assertEquals("default", fired);
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
        Handle selector = go(() -> what.set(Select.<String>select()
                .onReceive(a, v -> "a" + v)
                .onReceive(b, v -> "b" + v)
                .onSend(out, 99, () -> "sent")
                .run()));
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
        assertEquals("sent", Select.<String>select().onSend(ch, "v", () -> "sent").run());
        receiver.join();
    }

    @Test
    void directionalViewsAreCasesOfTheChannelsBehindThem() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        ReceiveChannel<String> in = ch.receiveOnly();
        SendChannel<String> out = ch.sendOnly();
        Handle receiver = go(() -> assertEquals("got v", Select.<String>select().onReceive(in, v -> "got " + v).run()));
        awaitTrue("receiver queued on the channel behind the view", () -> ch.waitingReceivers() == 1);
        assertTrue(Select.<Boolean>select().onSend(out, "v", () -> true).run());
        receiver.join();
    }

    @Test
    void exactlyOneOperationTakesEffectWhenTwoBecomeReadyTogether() throws Exception {
        for (int round = 0; round < 200; round++) {
            Channel<Integer> a = Channel.unbuffered();
            Channel<Integer> b = Channel.unbuffered();
            AtomicInteger got = new AtomicInteger();
            Handle selector = go(() -> got.set(Select.<Integer>select().onReceive(a, v -> v).onReceive(b, v -> v).run()));
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
        Handle selector = go(() -> assertEquals("done",
                Select.<String>select().onReceive(ch, v -> "received").onDone(ctx, () -> "done").run()));
        awaitTrue("queued", () -> ch.waitingReceivers() == 1);
        ctx.cancel();
        selector.join();
        assertEquals(0, ch.waitingReceivers());
    }

    @Test
    void nilChannelCaseIsNeverReady() throws Exception {
        Channel<Integer> nil = null;
        assertEquals("default", Select.<String>select()
                .onReceive(nil, v -> "received").onSend(nil, 1, () -> "sent").orDefault(() -> "default").run());
        Channel<Integer> ch = Channel.buffered(1);
        ch.send(5);
        assertEquals("ch", Select.<String>select().onReceive(nil, v -> "nil").onReceive(ch, v -> "ch").run());
    }

    @Test
    void closedChannels() throws Exception {
        Channel<Integer> closed = Channel.unbuffered();
        closed.close();
        assertTrue(Select.<Received<Integer>>select().onReceiveOrClosed(closed, r -> r).run().closed());
        assertThrows(ChannelClosedException.class, () -> Select.select().onReceive(closed, v -> v).run());
        assertThrows(ChannelClosedException.class, () -> Select.select().onSend(closed, 1, () -> null).run());

        // Closing while a select waits wakes it.
        Channel<Integer> ch = Channel.unbuffered();
        AtomicReference<Received<Integer>> seen = new AtomicReference<>();
        Handle receiver = go(() -> seen.set(Select.<Received<Integer>>select().onReceiveOrClosed(ch, r -> r).run()));
        Handle sender = go(() -> Select.select().onSend(ch, 1, () -> null).onSend(ch, 2, () -> null).run());
        receiver.join();
        assertTrue(seen.get().ok(), "receiver and sender select must match each other");
        sender.join();
        Channel<Integer> ch2 = Channel.unbuffered();
        Handle blockedSender = go(() -> Select.select().onSend(ch2, 1, () -> null).run());
        awaitTrue("queued", () -> ch2.waitingSenders() == 1);
        ch2.close();
        assertInstanceOf(ChannelClosedException.class, blockedSender.failure());
    }

    @Test
    void interruptionEndsABlockedSelectAndEmptySelectBlocksUntilInterrupted() throws Exception {
        Channel<Integer> ch = Channel.unbuffered();
        Handle selector = go(() -> Select.select().onReceive(ch, v -> v).run());
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
        // for { select { case v, ok := <-ch: if !ok { return }; got = append(got, v) } }
        Select<Boolean> loop = Select.<Boolean>select().onReceiveOrClosed(ch, r -> r.ok() && got.add(r.value()));
        while (loop.run()) {
            // the handler did the work
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), got);
    }

    @Test
    void sendAndReceiveOnTheSameChannelInOneSelectNeverMatchThemselves() throws Exception {
        Channel<Integer> ch = Channel.unbuffered();
        AtomicReference<String> fired = new AtomicReference<>();
        Handle selector = go(() -> fired.set(Select.<String>select()
                .onSend(ch, 1, () -> "sent").onReceive(ch, v -> "received").run()));
        assertFalse(selector.finishesWithin(BRIEF));
        assertEquals(1, ch.receive());
        selector.join();
        assertEquals("sent", fired.get());
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
        Select<Integer> select = Select.<Integer>select().onReceiveOrClosed(a, r -> 0).onReceiveOrClosed(b, r -> 1);
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
        Select<Boolean> withValues = Select.<Boolean>select()
                .onReceive(c, v -> { valueCounts[v]++; return c.trySend(v); })
                .onReceive(d, v -> { valueCounts[v]++; return d.trySend(v); });
        for (int i = 0; i < n; i++) {
            withValues.run();
        }
        double valueShare = valueCounts[0] / (double) n;
        assertTrue(Math.abs(valueShare - 0.5) <= 0.02, "share of c: " + valueShare);
    }
}
