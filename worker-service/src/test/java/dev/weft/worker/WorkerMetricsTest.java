package dev.weft.worker;

import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The metric names as Prometheus renders them: a contract with the alert rules and dashboard. */
@ExtendWith(NoLeakedThreads.class)
class WorkerMetricsTest {

    @Test
    void scrapeHasTheContractedNames() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        WorkerService w = WorkerService.builder().workers(3).queueCapacity(7).registry(registry)
                .handler(new ChecksumHandler()).build();
        w.start();
        assertInstanceOf(WorkerService.Accepted.class,
                w.submit("checksum", JsonNodeFactory.instance.objectNode().put("text", "abc")));
        w.submit("nope", JsonNodeFactory.instance.objectNode());
        w.stop(Context.withTimeout(Context.background(), Duration.ofSeconds(30)));
        String scrape = registry.scrape();
        for (String line : List.of(
                "# TYPE weft_jobs_submitted_total counter",
                "weft_jobs_submitted_total 1.0",
                "weft_jobs_rejected_total{reason=\"invalid\"} 1.0",
                "weft_jobs_rejected_total{reason=\"queue_full\"} 0.0",
                "weft_jobs_rejected_total{reason=\"shutting_down\"} 0.0",
                "weft_jobs_completed_total{outcome=\"succeeded\",type=\"checksum\"} 1.0",
                "weft_jobs_completed_total{outcome=\"failed\",type=\"checksum\"} 0.0",
                "weft_jobs_completed_total{outcome=\"cancelled\",type=\"checksum\"} 0.0",
                "weft_jobs_completed_total{outcome=\"abandoned\",type=\"checksum\"} 0.0",
                "# TYPE weft_job_duration_seconds histogram",
                "weft_job_duration_seconds_count{type=\"checksum\"} 1",
                "weft_job_duration_seconds_bucket{type=\"checksum\",le=\"+Inf\"} 1",
                "weft_job_queue_wait_seconds_count 1",
                "weft_job_queue_depth 0.0",
                "weft_job_queue_capacity 7.0",
                "weft_workers_busy 0.0",
                "weft_workers 3.0")) {
            assertTrue(scrape.contains(line), "missing '" + line + "' in:\n" + scrape);
        }
    }
}
