package dev.weft.patterns;

import static dev.weft.patterns.TestThreads.BOUND;
import static dev.weft.patterns.TestThreads.BRIEF;
import static dev.weft.patterns.TestThreads.awaitLatch;
import static dev.weft.patterns.TestThreads.awaitTrue;
import static dev.weft.patterns.TestThreads.go;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.patterns.TestThreads.Handle;
import dev.weft.patterns.testing.NoLeakedThreads;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedThreads.class)
class ChannelTest {

    @Test
    void unbufferedSendReturnsOnlyAfterAReceiverTookTheValue() throws Exception {
        Channel<String> ch = Channel.unbuffered();
        assertEquals(0, ch.cap());
        CountDownLatch sent = new CountDownLatch(1);
        Handle sender = go(() -> {
            ch.send("hello");
            sent.countDown();
        });
        assertFalse(sent.await(BRIEF.toMillis(), TimeUnit.MILLISECONDS), "send returned without a receiver");
        awaitTrue("sender queued", () -> ch.waitingSenders() == 1);
        assertEquals(0, ch.len());
        assertEquals("hello", ch.receive());
        awaitLatch(sent);
        sender.join();
    }

    @Test
    void unbufferedReceiveBlocksUntilASenderArrives() throws Exception {
        Channel<Integer> ch = new Channel<>(0);
        AtomicInteger got = new AtomicInteger();
        Handle receiver = go(() -> got.set(ch.receive()));
        assertFalse(receiver.finishesWithin(BRIEF));
        awaitTrue("receiver queued", () -> ch.waitingReceivers() == 1);
        ch.send(0);
        receiver.join();
        assertEquals(0, got.get());
    }

    @Test
    void bufferedIsFifoAndBlocksOnlyWhenFull() throws Exception {
        Channel<Integer> ch = Channel.buffered(3);
        assertEquals(3, ch.cap());
        ch.send(1);
        ch.send(2);
        ch.send(3);
        assertEquals(3, ch.len());
        Handle fourth = go(() -> ch.send(4));
        assertFalse(fourth.finishesWithin(BRIEF), "send on a full buffer must block");
        assertEquals(1, ch.receive());
        fourth.join();
        assertEquals(List.of(2, 3, 4), List.of(ch.receive(), ch.receive(), ch.receive()));
        assertEquals(0, ch.len());
    }

    @Test
    void blockedSendersAreServedInArrivalOrder() throws Exception {
        Channel<Integer> ch = Channel.unbuffered();
        List<Handle> senders = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int v = i;
            senders.add(go(() -> ch.send(v)));
            awaitTrue("sender " + i + " queued", () -> ch.waitingSenders() == v + 1);
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(i, ch.receive());
        }
        for (Handle h : senders) {
            h.join();
        }
    }

    @Test
    void afterCloseReceiversDrainTheBufferThenSeeClosed() throws Exception {
        Channel<String> ch = Channel.buffered(4);
        ch.send("a");
        ch.send("b");
        ch.close();
        assertTrue(ch.isClosed());
        assertEquals("a", ch.receive());
        assertEquals(Received.of("b"), ch.receiveOrClosed());
        Received<String> end = ch.receiveOrClosed();
        assertTrue(end.closed());
        assertFalse(end.ok());
        assertThrows(NoSuchElementException.class, end::value);
        assertEquals("z", end.orElse("z"));
        ChannelClosedException e = assertThrows(ChannelClosedException.class, ch::receive);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertTrue(ch.tryReceive().closed());
    }

    @Test
    void sendOnClosedAndCloseOfClosedFailLoudly() {
        Channel<Integer> ch = Channel.buffered(1);
        ch.close();
        ChannelClosedException send = assertThrows(ChannelClosedException.class, () -> ch.send(1));
        assertEquals("send on closed channel", send.getMessage());
        assertThrows(ChannelClosedException.class, () -> ch.trySend(1));
        ChannelClosedException close = assertThrows(ChannelClosedException.class, ch::close);
        assertEquals("close of closed channel", close.getMessage());
        assertInstanceOf(IllegalStateException.class, close);
    }

    @Test
    void closeWakesEveryBlockedReceiverAndSender() throws Exception {
        Channel<Integer> forReceivers = Channel.unbuffered();
        List<Handle> receivers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            receivers.add(go(() -> assertTrue(forReceivers.receiveOrClosed().closed())));
        }
        Channel<Integer> forSenders = Channel.buffered(1);
        forSenders.send(0);
        List<Handle> senders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int v = i + 1;
            senders.add(go(() -> forSenders.send(v)));
        }
        awaitTrue("all blocked", () -> forReceivers.waitingReceivers() == 3 && forSenders.waitingSenders() == 3);

        forReceivers.close();
        forSenders.close();
        for (Handle r : receivers) {
            r.join();
        }
        for (Handle s : senders) {
            assertInstanceOf(ChannelClosedException.class, s.failure());
        }
        // The value buffered before close is still delivered; the blocked sends were not.
        assertEquals(Received.of(0), forSenders.receiveOrClosed());
        assertTrue(forSenders.receiveOrClosed().closed());
    }

    @Test
    void rangeEndsOnClose() throws Exception {
        Channel<Integer> ch = Channel.unbuffered();
        // Example: Go's `defer close(ch)` producer and `for v := range ch` consumer.
        Handle producer = go(() -> {
            try {
                for (int i = 0; i < 10; i++) {
                    ch.send(i);
                }
            } finally {
                ch.close();
            }
        });
        List<Integer> got = new ArrayList<>();
        for (int v : ch) {
            got.add(v);
        }
        producer.join();
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), got);
        Iterator<Integer> it = ch.iterator();
        assertFalse(it.hasNext());
        assertThrows(NoSuchElementException.class, it::next);
    }

    /** Go's "channel not closed" mistake: the range loop stays blocked until someone closes. */
    @Test
    void unclosedChannelKeepsRangeBlockedUntilClosed() throws Exception {
        Channel<Integer> ch = Channel.unbuffered();
        AtomicInteger sum = new AtomicInteger();
        CountDownLatch allSent = new CountDownLatch(1);
        Handle producer = go(() -> {
            for (int i = 0; i < 10; i++) {
                ch.send(i);
            }
            allSent.countDown(); // forgot to close
        });
        Handle consumer = go(() -> {
            for (int v : ch) {
                sum.addAndGet(v);
            }
        });
        awaitLatch(allSent);
        producer.join();
        assertFalse(consumer.finishesWithin(BRIEF), "range must keep waiting on an unclosed channel");
        assertEquals(45, sum.get());
        ch.close();
        consumer.join();
    }

    @Test
    void iterationSurfacesInterruptionAsCancellationWithTheInterruptKept() throws Exception {
        Channel<Integer> ch = Channel.unbuffered();
        AtomicInteger interruptKept = new AtomicInteger();
        Handle consumer = go(() -> {
            CancellationException e = assertThrows(CancellationException.class, () -> {
                for (int ignored : ch) {
                    // nothing arrives
                }
            });
            assertInstanceOf(InterruptedException.class, e.getCause());
            interruptKept.set(Thread.currentThread().isInterrupted() ? 1 : 0);
        });
        awaitTrue("consumer blocked", () -> ch.waitingReceivers() == 1);
        consumer.thread.interrupt();
        consumer.join();
        assertEquals(1, interruptKept.get());
        assertFalse(ch.trySend(1), "the interrupted receiver must have left the queue");
    }

    @Test
    void trySendAndTryReceiveNeverBlock() throws Exception {
        Channel<String> unbuffered = Channel.unbuffered();
        assertFalse(unbuffered.trySend("x"), "no receiver waiting");
        assertTrue(unbuffered.tryReceive().notReady());

        Handle receiver = go(() -> assertEquals("y", unbuffered.receive()));
        awaitTrue("receiver queued", () -> unbuffered.waitingReceivers() == 1);
        assertTrue(unbuffered.trySend("y"));
        receiver.join();

        Channel<String> buffered = Channel.buffered(1);
        assertTrue(buffered.trySend("a"));
        assertFalse(buffered.trySend("b"));
        assertEquals(Received.of("a"), buffered.tryReceive());
        assertTrue(buffered.tryReceive().notReady());
        buffered.close();
        assertTrue(buffered.tryReceive().closed());
    }

    @Test
    void nullValuesAreRejected() {
        Channel<String> ch = Channel.buffered(1);
        assertThrows(NullPointerException.class, () -> ch.send(null));
        assertThrows(NullPointerException.class, () -> ch.trySend(null));
        assertThrows(NullPointerException.class, () -> ch.send(Context.background(), null));
        assertThrows(IllegalArgumentException.class, () -> new Channel<String>(-1));
        assertThrows(IllegalArgumentException.class, () -> Channel.buffered(0));
    }

    @Test
    void contextVariantsFailAtOnceWhenTheContextIsAlreadyDone() {
        CancelContext ctx = Context.withCancel(Context.background());
        ctx.cancel();
        Channel<Integer> ch = Channel.buffered(1);
        assertSame(ctx.err(), assertThrows(ContextDoneException.class, () -> ch.send(ctx, 1)));
        assertEquals(0, ch.len(), "nothing was sent");
        ch.trySend(7);
        assertSame(ctx.err(), assertThrows(ContextDoneException.class, () -> ch.receive(ctx)));
        assertSame(ctx.err(), assertThrows(ContextDoneException.class, () -> ch.receiveOrClosed(ctx)));
        assertEquals(1, ch.len(), "nothing was received");
    }

    @Test
    void contextVariantsReturnWhenTheContextIsDoneWhileBlocked() throws Exception {
        CancelContext ctx = Context.withCancel(Context.background());
        Channel<Integer> ch = Channel.unbuffered();
        Handle receiver = go(() -> ch.receive(ctx));
        Handle sender = go(() -> new Channel<Integer>(0).send(ctx, 1));
        awaitTrue("receiver queued", () -> ch.waitingReceivers() == 1);
        RuntimeException why = new RuntimeException("stop");
        ctx.cancel(why);
        assertSame(ctx.err(), receiver.failure());
        assertSame(ctx.err(), sender.failure());
        assertSame(why, ctx.cause());
        assertEquals(0, ch.waitingReceivers(), "the cancelled receiver left the queue");
        assertFalse(ch.trySend(1), "no ghost receiver may take a value");
    }

    @Test
    void deadlineEndsABlockedReceive() throws Exception {
        CancelContext ctx = Context.withTimeout(Context.background(), java.time.Duration.ofMillis(20));
        Channel<Integer> ch = Channel.unbuffered();
        assertInstanceOf(DeadlineExceededException.class,
                assertThrows(ContextDoneException.class, () -> ch.receive(ctx)));
    }

    @Test
    void interruptedSendDoesNotHappen() throws Exception {
        Channel<Integer> ch = Channel.unbuffered();
        Handle sender = go(() -> ch.send(1));
        awaitTrue("sender queued", () -> ch.waitingSenders() == 1);
        sender.thread.interrupt();
        assertInstanceOf(InterruptedException.class, sender.failure());
        assertTrue(ch.tryReceive().notReady(), "the interrupted send must not be delivered");

        Thread.currentThread().interrupt();
        assertThrows(InterruptedException.class, () -> ch.receive());
        assertFalse(Thread.interrupted());
    }

    /** Go's goroutine-leak mistake, fixed the Go way: the producer honours its context. */
    @Test
    void producerBlockedOnAGoneConsumerExitsWhenItsContextIsCancelled() throws Exception {
        CancelContext ctx = Context.withCancel(Context.background());
        Channel<Long> ch = Channel.unbuffered();
        AtomicLong produced = new AtomicLong();
        Handle producer = go(() -> {
            try {
                for (long i = 0; ; i++) {
                    ch.send(ctx, i);
                    produced.incrementAndGet();
                }
            } catch (ContextDoneException expected) {
                // the leak-free exit
            }
        });
        assertEquals(0L, ch.receive());
        assertEquals(1L, ch.receive());
        // The consumer goes away; without the context the producer would block forever.
        assertFalse(producer.finishesWithin(BRIEF));
        ctx.cancel();
        producer.join();
        assertEquals(2, produced.get());
    }

    @Test
    void tenThousandReceiversBlockedOnAContextAllReturnAfterCancel() throws Exception {
        int n = 10_000;
        CancelContext ctx = Context.withCancel(Context.background());
        Channel<Integer> ch = Channel.unbuffered();
        CountDownLatch returned = new CountDownLatch(n);
        AtomicInteger wrong = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            WeftThreads.start("receiver", () -> {
                try {
                    ch.receive(ctx);
                    wrong.incrementAndGet();
                } catch (ContextDoneException expected) {
                    // the only correct outcome
                } catch (Throwable t) {
                    wrong.incrementAndGet();
                } finally {
                    returned.countDown();
                }
            });
        }
        awaitTrue("all blocked", () -> ch.waitingReceivers() == n);
        ctx.cancel();
        assertTrue(returned.await(BOUND.toSeconds(), TimeUnit.SECONDS), "all must return after cancel");
        assertEquals(0, wrong.get());
        assertEquals(0, ch.waitingReceivers());
        awaitTrue("threads gone", () -> WeftThreads.liveThreads().stream().noneMatch(t -> t.getName().startsWith("weft-receiver-")));
    }

    @Test
    void directionalViewsShareTheChannelAndExposeOnlyTheirEnd() throws Exception {
        Channel<String> ch = Channel.buffered(2);
        SendChannel<String> producer = ch.sendOnly();
        ReceiveChannel<String> consumer = ch.receiveOnly();
        assertFalse(producer instanceof ReceiveChannel<?>, "a send-only view cannot receive");
        assertFalse(consumer instanceof SendChannel<?>, "a receive-only view cannot send or close");
        producer.send("a");
        assertTrue(producer.trySend("b"));
        assertEquals(2, consumer.len());
        assertEquals(2, consumer.cap());
        assertEquals("a", consumer.receive());
        producer.close();
        assertTrue(consumer.isClosed());
        List<String> rest = new ArrayList<>();
        consumer.forEach(rest::add);
        assertEquals(List.of("b"), rest, "buffered values are still delivered through the view");
        assertTrue(consumer.tryReceive().closed());
        assertThrows(ChannelClosedException.class, producer::close);
    }
}
