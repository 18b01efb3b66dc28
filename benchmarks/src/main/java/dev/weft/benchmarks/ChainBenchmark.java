package dev.weft.benchmarks;

import dev.weft.patterns.Channel;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * jox's and Kotlin's chain shape: 10,000 rendezvous channels in a row, a source, 9,999 virtual
 * threads each passing what it receives to the next channel, and a sink; per send-receive pair
 * (the figure jox publishes as {@code ChainedBenchmark.chain}, capacity 0, 10,000 channels). jox
 * runs 10,000,000 pairs per invocation; here 1,000,000 (100 values through the chain), so an
 * invocation stays near a second on 2 cores. Go's counterpart: {@code BenchmarkChain} in
 * {@code benchmarks/go}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ChainBenchmark {

    static final int CHANNELS = 10_000;
    static final int PAIRS = 1_000_000;
    private static final int VALUES = PAIRS / CHANNELS;
    private static final Integer VALUE = 63;

    /** One link's receive-then-send; the ends of the chain only send or only receive. */
    @FunctionalInterface
    private interface Link<C> {
        void pass(C from, C to) throws InterruptedException;
    }

    private static <C> void chain(C[] channels, Vt.Op<C> source, Link<C> link, Vt.Op<C> sink) throws InterruptedException {
        Vt.Body[] bodies = new Vt.Body[channels.length + 1];
        bodies[0] = () -> {
            for (int i = 0; i < VALUES; i++) {
                source.run(channels[0]);
            }
        };
        for (int t = 1; t < channels.length; t++) {
            C from = channels[t - 1];
            C to = channels[t];
            bodies[t] = () -> {
                for (int i = 0; i < VALUES; i++) {
                    link.pass(from, to);
                }
            };
        }
        bodies[channels.length] = () -> {
            for (int i = 0; i < VALUES; i++) {
                sink.run(channels[channels.length - 1]);
            }
        };
        Vt.runAll(bodies);
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS)
    public void weft() throws InterruptedException {
        @SuppressWarnings("unchecked")
        Channel<Integer>[] channels = new Channel[CHANNELS];
        for (int i = 0; i < CHANNELS; i++) {
            channels[i] = Channel.unbuffered();
        }
        chain(channels, ch -> ch.send(VALUE), (from, to) -> to.send(from.receive()), Channel::receive);
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS)
    public void jox() throws InterruptedException {
        @SuppressWarnings("unchecked")
        com.softwaremill.jox.Channel<Integer>[] channels = new com.softwaremill.jox.Channel[CHANNELS];
        for (int i = 0; i < CHANNELS; i++) {
            channels[i] = com.softwaremill.jox.Channel.newRendezvousChannel();
        }
        chain(channels, ch -> ch.send(VALUE), (from, to) -> to.send(from.receive()),
                com.softwaremill.jox.Channel::receive);
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS)
    public void synchronousQueue() throws InterruptedException {
        @SuppressWarnings("unchecked")
        BlockingQueue<Integer>[] queues = new BlockingQueue[CHANNELS];
        for (int i = 0; i < CHANNELS; i++) {
            queues[i] = new SynchronousQueue<>();
        }
        chain(queues, q -> q.put(VALUE), (from, to) -> to.put(from.take()), BlockingQueue::take);
    }
}
