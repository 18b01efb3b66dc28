package dev.weft.benchmarks;

import dev.weft.patterns.Channel;
import java.util.concurrent.ArrayBlockingQueue;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * jox's and Kotlin's parallel shape: 10,000 independent (sender, receiver) pairs of virtual
 * threads, each pair on its own channel of capacity 0, 16 or 100; per send-receive pair (the
 * figure jox publishes as {@code ParallelBenchmark.parallelChannels}). jox runs 10,000,000 pairs
 * per invocation; here 1,000,000 (100 per pair). The JDK side is a SynchronousQueue at capacity
 * 0 and an ArrayBlockingQueue otherwise, as in jox's {@code parallelQueues}. Go's counterpart:
 * {@code BenchmarkParallelPairs} in {@code benchmarks/go}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ParallelPairsBenchmark {

    static final int PAIRS_OF_THREADS = 10_000;
    static final int PAIRS = 1_000_000;
    private static final int PER_PAIR = PAIRS / PAIRS_OF_THREADS;
    private static final Integer VALUE = 91;

    @Param({"0", "16", "100"})
    public int capacity;

    private static <C> void pairs(C[] channels, Vt.Op<C> send, Vt.Op<C> receive) throws InterruptedException {
        Vt.Body[] bodies = new Vt.Body[2 * channels.length];
        for (int p = 0; p < channels.length; p++) {
            C ch = channels[p];
            bodies[2 * p] = () -> {
                for (int i = 0; i < PER_PAIR; i++) {
                    send.run(ch);
                }
            };
            bodies[2 * p + 1] = () -> {
                for (int i = 0; i < PER_PAIR; i++) {
                    receive.run(ch);
                }
            };
        }
        Vt.runAll(bodies);
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS)
    public void weft() throws InterruptedException {
        @SuppressWarnings("unchecked")
        Channel<Integer>[] channels = new Channel[PAIRS_OF_THREADS];
        for (int i = 0; i < channels.length; i++) {
            channels[i] = new Channel<>(capacity);
        }
        pairs(channels, ch -> ch.send(VALUE), Channel::receive);
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS)
    public void jox() throws InterruptedException {
        @SuppressWarnings("unchecked")
        com.softwaremill.jox.Channel<Integer>[] channels = new com.softwaremill.jox.Channel[PAIRS_OF_THREADS];
        for (int i = 0; i < channels.length; i++) {
            channels[i] = capacity == 0
                    ? com.softwaremill.jox.Channel.newRendezvousChannel()
                    : com.softwaremill.jox.Channel.newBufferedChannel(capacity);
        }
        pairs(channels, ch -> ch.send(VALUE), com.softwaremill.jox.Channel::receive);
    }

    @Benchmark
    @OperationsPerInvocation(PAIRS)
    public void jdkQueue() throws InterruptedException {
        @SuppressWarnings("unchecked")
        BlockingQueue<Integer>[] queues = new BlockingQueue[PAIRS_OF_THREADS];
        for (int i = 0; i < queues.length; i++) {
            queues[i] = capacity == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(capacity);
        }
        pairs(queues, q -> q.put(VALUE), BlockingQueue::take);
    }
}
