package dev.weft.benchmarks;

import dev.weft.patterns.Channel;
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
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Unbuffered ping-pong: one round trip (send to an echo thread, receive its reply) per operation,
 * both sides on virtual threads. Go's twin: {@code BenchmarkPingPong} in {@code benchmarks/go}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class PingPongBenchmark {

    static final int OPS = 10_000;
    private static final Integer BALL = 1;

    private Channel<Integer> weftPing;
    private Channel<Integer> weftPong;
    private SynchronousQueue<Integer> sqPing;
    private SynchronousQueue<Integer> sqPong;
    private com.softwaremill.jox.Channel<Integer> joxPing;
    private com.softwaremill.jox.Channel<Integer> joxPong;
    private Thread[] echoes;

    @Setup
    public void setUp() {
        weftPing = Channel.unbuffered();
        weftPong = Channel.unbuffered();
        sqPing = new SynchronousQueue<>();
        sqPong = new SynchronousQueue<>();
        joxPing = com.softwaremill.jox.Channel.newRendezvousChannel();
        joxPong = com.softwaremill.jox.Channel.newRendezvousChannel();
        echoes = new Thread[] {
            Vt.start(() -> {
                for (Integer v : weftPing) {
                    weftPong.send(v);
                }
            }),
            Vt.start(() -> {
                while (true) {
                    sqPong.put(sqPing.take());
                }
            }),
            Vt.start(() -> {
                while (true) {
                    joxPong.send(joxPing.receive());
                }
            }),
        };
    }

    @TearDown
    public void tearDown() throws InterruptedException {
        weftPing.close();
        for (Thread t : echoes) {
            t.interrupt();
            t.join();
        }
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void weft() throws InterruptedException {
        Vt.runAll(() -> {
            for (int i = 0; i < OPS; i++) {
                weftPing.send(BALL);
                weftPong.receive();
            }
        });
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void synchronousQueue() throws InterruptedException {
        Vt.runAll(() -> {
            for (int i = 0; i < OPS; i++) {
                sqPing.put(BALL);
                sqPong.take();
            }
        });
    }

    @Benchmark
    @OperationsPerInvocation(OPS)
    public void jox() throws InterruptedException {
        Vt.runAll(() -> {
            for (int i = 0; i < OPS; i++) {
                joxPing.send(BALL);
                joxPong.receive();
            }
        });
    }
}
