package dev.weft.patterns;

import static dev.weft.patterns.TestThreads.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.patterns.testing.NoLeakedThreads;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NoLeakedThreads.class)
class PipelinesTest {

    private static int pipelineThreads() {
        return (int) WeftThreads.liveThreads().stream().filter(t -> t.getName().startsWith("weft-pipeline-")).count();
    }

    @Test
    void generateThenSquare() throws Exception {
        CancelContext ctx = Context.withCancel(Context.background());
        try {
            ReceiveChannel<Integer> squares = Pipelines.stage(ctx, Pipelines.generate(ctx, List.of(1, 2, 3, 4)), n -> n * n);
            List<Integer> got = new ArrayList<>();
            for (int sq : squares) {
                got.add(sq);
            }
            assertEquals(List.of(1, 4, 9, 16), got);
        } finally {
            ctx.cancel();
        }
    }

    @Test
    void fanOutThenMergeProcessesEveryItemOnce() throws Exception {
        CancelContext ctx = Context.withCancel(Context.background());
        try {
            List<Integer> items = IntStream.range(0, 1000).boxed().toList();
            ReceiveChannel<Integer> source = Pipelines.generate(ctx, items);
            List<ReceiveChannel<Integer>> workers = Pipelines.fanOut(ctx, source, 4, n -> n + 1);
            assertEquals(4, workers.size());
            ReceiveChannel<Integer> merged = Pipelines.merge(ctx, workers);
            List<Integer> got = new ArrayList<>();
            merged.forEach(got::add);
            assertEquals(1000, got.size());
            assertEquals(new TreeSet<>(IntStream.rangeClosed(1, 1000).boxed().toList()), new TreeSet<>(got));
        } finally {
            ctx.cancel();
        }
    }

    @Test
    void mergeClosesWhenEveryInputHasClosed() throws Exception {
        Channel<String> a = Channel.buffered(2);
        Channel<String> b = Channel.buffered(2);
        ReceiveChannel<String> merged = Pipelines.merge(Context.background(), a, b);
        a.send("a1");
        b.send("b1");
        a.close();
        assertEquals(Set.of("a1", "b1"), Set.of(merged.receive(), merged.receive()));
        assertTrue(merged.tryReceive().notReady(), "b is still open");
        b.send("b2");
        b.close();
        assertEquals("b2", merged.receive());
        assertTrue(merged.receiveOrClosed().closed());
        assertTrue(Pipelines.<String>merge(Context.background()).receiveOrClosed().closed());
    }

    /** The consumer stops early and cancels: every stage upstream exits, none is left behind. */
    @Test
    void earlyStopAndCancelLeavesNoThreadBehind() throws Exception {
        int before = WeftThreads.liveCount();
        CancelContext ctx = Context.withCancel(Context.background());
        Iterable<Integer> endless = () -> IntStream.iterate(0, i -> i + 1).iterator();
        ReceiveChannel<Integer> source = Pipelines.generate(ctx, endless);
        ReceiveChannel<Integer> merged = Pipelines.merge(ctx, Pipelines.fanOut(ctx, source, 3, n -> n * 2));
        for (int i = 0; i < 10; i++) {
            merged.receive();
        }
        assertEquals(1 + 3 + 3, pipelineThreads(), "generate, 3 fan-out stages, 3 merge forwarders");
        ctx.cancel(); // the consumer walks away
        awaitTrue("every pipeline thread exits", () -> pipelineThreads() == 0);
        assertEquals(before, WeftThreads.liveCount());
        // Every stage closed its output on the way out.
        while (merged.receiveOrClosed().ok()) {
            // drain anything sent before the cancel took effect
        }
        assertTrue(merged.isClosed());
    }

    @Test
    void aStageBlockedOnAGoneConsumerExitsOnCancel() throws Exception {
        CancelContext ctx = Context.withCancel(Context.background());
        ReceiveChannel<Integer> out = Pipelines.stage(ctx, Pipelines.generate(ctx, List.of(1, 2, 3)), n -> n);
        assertEquals(1, out.receive());
        awaitTrue("stage blocked sending", () -> Channel.of(out).waitingSenders() == 1);
        ctx.cancel();
        awaitTrue("stages gone", () -> pipelineThreads() == 0);
        assertTrue(out.receiveOrClosed().closed());
    }

    @Test
    void everyOutputIsReceiveOnlySoNoConsumerCanCloseIt() {
        CancelContext ctx = Context.withCancel(Context.background());
        try {
            ReceiveChannel<Integer> source = Pipelines.generate(ctx, List.of(1));
            List<ReceiveChannel<?>> outputs = List.of(source, Pipelines.stage(ctx, source, n -> n),
                    Pipelines.merge(ctx, source), Pipelines.fanOut(ctx, source, 1, n -> n).getFirst());
            for (ReceiveChannel<?> out : outputs) {
                assertFalse(out instanceof SendChannel<?>, out + " must not be closable by its consumer");
            }
        } finally {
            ctx.cancel();
        }
    }
}
