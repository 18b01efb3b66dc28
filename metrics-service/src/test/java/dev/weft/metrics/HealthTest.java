package dev.weft.metrics;

import dev.weft.patterns.testing.NoLeakedThreads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NoLeakedThreads.class)
class HealthTest {

    @Test
    void slowFailingAndHangingChecksEachGetTheirOwnVerdict() throws Exception {
        Duration timeout = Duration.ofMillis(300);
        Health health = new Health(timeout);
        CountDownLatch never = new CountDownLatch(1);
        health.add(Probe.LIVE, "fine", ctx -> { })
                .add(Probe.LIVE, "failing", ctx -> {
                    throw new IllegalStateException("disk full");
                })
                .add(Probe.LIVE, "hanging", ctx -> never.await())
                .add(Probe.LIVE, "slow-but-honest", ctx -> {
                    ctx.await();
                    ctx.throwIfDone();
                });

        // The probe must answer even though two checks never finish by themselves: bound the
        // wait generously (this is a liveness bound, not a speed assertion).
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Health.Report> f = exec.submit(() -> health.evaluate(Probe.LIVE));
            Health.Report report = f.get(10, TimeUnit.SECONDS);
            Map<String, Health.CheckResult> byName = report.checks().stream()
                    .collect(Collectors.toMap(Health.CheckResult::name, Function.identity()));
            assertEquals(Health.Status.DOWN, report.status());
            assertEquals(Health.Status.UP, byName.get("fine").status());
            assertEquals("disk full", byName.get("failing").detail());
            assertEquals("timed out after 300 ms", byName.get("hanging").detail());
            assertEquals(Health.Status.DOWN, byName.get("slow-but-honest").status());
            assertEquals("timed out after 300 ms", byName.get("slow-but-honest").detail());
            assertTrue(byName.get("hanging").durationMillis() >= timeout.toMillis());
        }
    }

    @Test
    void allUpMeansUp() throws Exception {
        Health health = new Health(Duration.ofSeconds(1));
        health.add(Probe.LIVE, "a", ctx -> { }).add(Probe.LIVE, "b", ctx -> { });
        assertTrue(health.evaluate(Probe.LIVE).isUp());
    }
}
