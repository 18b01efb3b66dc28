package dev.weft.launcher;

import dev.weft.http.Tracing;
import dev.weft.worker.JobTracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.prometheus.metrics.tracer.common.SpanContext;
import io.prometheus.metrics.tracer.otel.OpenTelemetrySpanContext;

import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * The OpenTelemetry SDK behind {@code tracing.*}: spans batched and exported over OTLP/HTTP
 * (protobuf) to {@code tracing.otlp.endpoint}, sampled at {@code tracing.sample-ratio} (a client's
 * sampled {@code traceparent} is honoured: parent-based), W3C trace-context propagation, and
 * {@code service.name} = {@code metrics.application}. With {@code tracing.enabled=false} no SDK is
 * built at all, {@link #tracing()} is {@link Tracing#OFF} and {@link #jobs()} {@link JobTracing#OFF}.
 * {@link #close()} flushes what is left, once every server has stopped.
 */
final class TracingSdk implements AutoCloseable {

    private final OpenTelemetrySdk sdk;
    private final Tracing tracing;
    private final JobTracing jobs;

    private TracingSdk(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
        this.tracing = sdk == null ? Tracing.OFF : Tracing.of(sdk);
        this.jobs = sdk == null ? JobTracing.OFF : JobTracing.of(sdk);
    }

    /**
     * What gives the request histogram its trace-id exemplars: the span current on the thread
     * that records a duration (RequestFilter records while the request's span is current). Null
     * with tracing off: then the registry makes no exemplars and asks nothing per request.
     */
    static SpanContext exemplars(boolean enabled) {
        return enabled ? new OpenTelemetrySpanContext() : null;
    }

    static TracingSdk start(boolean enabled, URI endpoint, double sampleRatio, String serviceName) {
        if (!enabled) {
            return new TracingSdk(null);
        }
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(
                        Attributes.of(AttributeKey.stringKey("service.name"), serviceName))))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampleRatio)))
                .addSpanProcessor(BatchSpanProcessor.builder(
                        OtlpHttpSpanExporter.builder().setEndpoint(endpoint.toString()).build()).build())
                .build();
        return new TracingSdk(OpenTelemetrySdk.builder()
                .setTracerProvider(provider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build());
    }

    /** What the servers make their spans with. */
    Tracing tracing() {
        return tracing;
    }

    /** What the worker makes its job-attempt spans with. */
    JobTracing jobs() {
        return jobs;
    }

    /** Exports the spans still batched, within a few seconds, and stops the SDK. */
    @Override
    public void close() {
        if (sdk != null) {
            sdk.shutdown().join(5, TimeUnit.SECONDS);
        }
    }
}
