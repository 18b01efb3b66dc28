package dev.weft.benchmarks;

import dev.weft.patterns.Channel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedTransferQueue;
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
 * Buffered (capacity 1024) throughput, time per message: one producer and one consumer (SPSC), and
 * 4 producers with 4 consumers (MPMC). Go's twins: {@code BenchmarkBufferedSPSC} and {@code
 * BenchmarkBufferedMPMC} in {@code benchmarks/go}. All threads are virtual. LinkedTransferQueue is unbounded, so its producers never block.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class BufferedBenchmark {

    static final int MESSAGES = 100_000;
    static final int CAPACITY = 1024;
    private static final Integer MESSAGE = 1;

    private static void weftRun(int producers, int consumers) throws InterruptedException {
        Channel<Integer> ch = Channel.buffered(CAPACITY);
        Vt.runAll(bodies(producers, consumers,
                () -> ch.send(MESSAGE), () -> ch.receive()));
    }

    private static void queueRun(BlockingQueue<Integer> q, int producers, int consumers) throws InterruptedException {
        Vt.runAll(bodies(producers, consumers, () -> q.put(MESSAGE), q::take));
    }

    private static void joxRun(int producers, int consumers) throws InterruptedException {
        com.softwaremill.jox.Channel<Integer> ch = com.softwaremill.jox.Channel.newBufferedChannel(CAPACITY);
        Vt.runAll(bodies(producers, consumers, () -> ch.send(MESSAGE), ch::receive));
    }

    @FunctionalInterface
    private interface Op {
        void run() throws Exception;
    }

    private static Vt.Body[] bodies(int producers, int consumers, Op send, Op receive) {
        Vt.Body[] bodies = new Vt.Body[producers + consumers];
        for (int p = 0; p < producers; p++) {
            bodies[p] = () -> {
                for (int i = 0; i < MESSAGES / producers; i++) {
                    send.run();
                }
            };
        }
        for (int c = 0; c < consumers; c++) {
            bodies[producers + c] = () -> {
                for (int i = 0; i < MESSAGES / consumers; i++) {
                    receive.run();
                }
            };
        }
        return bodies;
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public void spscWeft() throws InterruptedException {
        weftRun(1, 1);
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public void spscArrayBlockingQueue() throws InterruptedException {
        queueRun(new ArrayBlockingQueue<>(CAPACITY), 1, 1);
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public void spscLinkedTransferQueue() throws InterruptedException {
        queueRun(new LinkedTransferQueue<>(), 1, 1);
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public void spscJox() throws InterruptedException {
        joxRun(1, 1);
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public void mpmcWeft() throws InterruptedException {
        weftRun(4, 4);
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public void mpmcArrayBlockingQueue() throws InterruptedException {
        queueRun(new ArrayBlockingQueue<>(CAPACITY), 4, 4);
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public void mpmcLinkedTransferQueue() throws InterruptedException {
        queueRun(new LinkedTransferQueue<>(), 4, 4);
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES)
    public void mpmcJox() throws InterruptedException {
        joxRun(4, 4);
    }
}
