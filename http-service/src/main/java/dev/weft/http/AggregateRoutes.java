package dev.weft.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.patterns.Context;
import dev.weft.patterns.DeadlineExceededException;
import dev.weft.patterns.SingleFlight;
import io.helidon.http.BadRequestException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * {@code GET /api/v1/aggregate[?mode=all|partial]}: calls every configured upstream concurrently
 * ({@link FanOut} with a limit, through the {@code aggregate} {@link UpstreamClient}) under one
 * deadline ({@link RequestContext}), and collapses identical concurrent requests into one fan-out
 * ({@link SingleFlight}).
 *
 * <ul>
 *   <li>Deadline: {@code http.aggregate.timeout}, or the {@code X-Request-Timeout} header
 *       (integer milliseconds, {@code 500ms} or {@code 2s}) clamped to {@code
 *       http.aggregate.max-timeout}; a malformed or zero header is a 400. The fan-out runs under
 *       the leading request's {@link RequestContext}, so the end of the shutdown budget cancels it.</li>
 *   <li>{@code mode=all} (default): the first failing upstream cancels the others; the answer
 *       is 502, or 504 when the failure was the deadline.</li>
 *   <li>{@code mode=partial}: every upstream's failure is reported as its {@code error}, and the
 *       answer is 200.</li>
 *   <li>Cancelled by shutdown: 503.</li>
 * </ul>
 */
final class AggregateRoutes implements HttpService {

    /** The name of this route's {@link UpstreamClient}, and so of its metric {@code http_aggregate_upstream_seconds}. */
    static final String CLIENT = "aggregate";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Requests with the same key share one fan-out and its answer. */
    private record Key(String mode, long timeoutMillis) { }

    /** The answer of one fan-out, sent to every request that shared it. */
    private record Answer(byte[] json, Problem problem) {
        void send(ServerRequest req, ServerResponse res) {
            if (problem != null) {
                problem.send(req, res);
            } else {
                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                res.send(json);
            }
        }
    }

    private final Aggregation config;
    private final UpstreamClient client;
    private final SingleFlight<Key, Answer> flights = new SingleFlight<>();
    private final Counter collapsed;

    AggregateRoutes(Aggregation config, UpstreamClient client, MeterRegistry registry) {
        this.config = config;
        this.client = client;
        this.collapsed = Counter.builder("http.aggregate.collapsed")
                .description("Aggregate requests answered by an identical request's fan-out (SingleFlight)")
                .register(registry);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/aggregate", this::aggregate);
    }

    private void aggregate(ServerRequest req, ServerResponse res) {
        String mode = req.query().first("mode").orElse("all");
        if (!mode.equals("all") && !mode.equals("partial")) {
            invalid("mode must be 'all' or 'partial'").send(req, res);
            return;
        }
        Duration timeout;
        try {
            timeout = RequestContext.timeout(req, config.timeout(), config.maxTimeout());
        } catch (BadRequestException e) {
            invalid(e.getMessage()).send(req, res);
            return;
        }
        boolean[] led = {false};
        Answer answer;
        try {
            SingleFlight.Result<Answer> r = flights.doCall(new Key(mode, timeout.toMillis()), () -> {
                led[0] = true;
                return fanOut(RequestContext.of(req, timeout), mode.equals("all"), timeout);
            });
            if (r.shared() && !led[0]) {
                collapsed.increment();
            }
            answer = r.value();
        } catch (InterruptedException e) {
            // Helidon interrupts handlers still running when its own stop grace period ends.
            Thread.currentThread().interrupt();
            answer = shuttingDown();
        } catch (ExecutionException e) {
            System.getLogger(AggregateRoutes.class.getName()).log(System.Logger.Level.ERROR, "aggregate failed", e.getCause());
            answer = new Answer(null, Problem.forStatus(Status.INTERNAL_SERVER_ERROR_500, "the aggregate could not be computed"));
        }
        answer.send(req, res);
    }

    /**
     * Calls every upstream under {@code ctx}. In {@code all} mode the first failure fails the
     * fan-out ({@link UpstreamClient.Result#orThrow()}), which cancels the other calls.
     */
    private Answer fanOut(Context ctx, boolean all, Duration timeout) throws Exception {
        List<FanOut.Task<UpstreamClient.Result>> calls = config.upstreams().stream()
                .<FanOut.Task<UpstreamClient.Result>>map(u -> c -> {
                    UpstreamClient.Result r = client.get(c, u);
                    return all ? r.orThrow() : r;
                })
                .toList();
        List<UpstreamClient.Result> results;
        try {
            results = FanOut.all(ctx, config.concurrency(), calls);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return shuttingDown();
        } catch (UpstreamException e) {
            if (cancelledByShutdown(ctx)) {
                return shuttingDown();
            }
            UpstreamClient.Result r = e.result();
            return r.outcome() == UpstreamClient.Outcome.TIMEOUT
                    ? new Answer(null, Problem.forStatus(Status.GATEWAY_TIMEOUT_504, "upstream " + r.name()
                            + " did not answer within " + timeout.toMillis() + " ms"))
                    : new Answer(null, Problem.forStatus(Status.BAD_GATEWAY_502, "upstream " + r.name() + ": " + r.error()));
        }
        return cancelledByShutdown(ctx) ? shuttingDown() : new Answer(body(all, timeout, results), null);
    }

    /** The request's context is done, and not by its deadline: the shutdown budget ended. */
    private static boolean cancelledByShutdown(Context ctx) {
        return ctx.isDone() && !(ctx.err() instanceof DeadlineExceededException);
    }

    private static byte[] body(boolean all, Duration timeout, List<UpstreamClient.Result> results) {
        ObjectNode body = JSON.createObjectNode();
        body.put("mode", all ? "all" : "partial");
        body.put("timeoutMillis", timeout.toMillis());
        ArrayNode list = body.putArray("upstreams");
        for (UpstreamClient.Result r : results) {
            ObjectNode u = list.addObject();
            u.put("name", r.name());
            if (r.status() == null) {
                u.putNull("status");
            } else {
                u.put("status", r.status());
            }
            u.put("latencyMillis", r.latencyMillis());
            if (!all) {
                u.put("error", r.error());
            }
        }
        try {
            return JSON.writeValueAsBytes(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Answer shuttingDown() {
        return new Answer(null, Problem.of("shutting-down", "Shutting down", Status.SERVICE_UNAVAILABLE_503,
                "the server is shutting down; the aggregate was cancelled"));
    }

    private static Problem invalid(String detail) {
        return Problem.of("invalid-parameter", "Invalid parameter", Status.BAD_REQUEST_400, detail);
    }
}
