package dev.weft.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Context;
import dev.weft.patterns.ErrGroup;
import dev.weft.patterns.SingleFlight;
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
 * ({@link ErrGroup} with a limit) under one deadline ({@link Context}), and collapses identical
 * concurrent requests into one fan-out ({@link SingleFlight}).
 *
 * <ul>
 *   <li>Deadline: {@code http.aggregate.timeout}, or the {@code X-Request-Timeout} header
 *       (integer milliseconds, {@code 500ms} or {@code 2s}) clamped to {@code
 *       http.aggregate.max-timeout}; a malformed or zero header is a 400. The request context
 *       derives from the server's lifetime, so the end of the shutdown budget cancels it.</li>
 *   <li>{@code mode=all} (default): the first failing upstream cancels the others; the answer
 *       is 502, or 504 when the failure was the deadline.</li>
 *   <li>{@code mode=partial}: every upstream's failure is reported as its {@code error}, and the
 *       answer is 200.</li>
 *   <li>Cancelled by shutdown: 503.</li>
 * </ul>
 */
final class AggregateRoutes implements HttpService {

    static final String TIMEOUT_HEADER = "X-Request-Timeout";
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

    /** Thrown by a task in {@code all} mode to fail the group with the upstream's result. */
    private static final class UpstreamFailed extends Exception {
        final UpstreamClient.Result result;

        UpstreamFailed(UpstreamClient.Result result) {
            super(result.name() + ": " + result.error(), null, false, false);
            this.result = result;
        }
    }

    private final Aggregation config;
    private final Context lifetime;
    private final UpstreamClient client;
    private final SingleFlight<Key, Answer> flights = new SingleFlight<>();
    private final Counter collapsed;

    AggregateRoutes(Aggregation config, Context lifetime, UpstreamClient client, MeterRegistry registry) {
        this.config = config;
        this.lifetime = lifetime;
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
        Duration timeout = config.timeout();
        var header = req.headers().first(io.helidon.http.HeaderNames.create(TIMEOUT_HEADER));
        if (header.isPresent()) {
            Duration asked = Timeouts.parse(header.get());
            if (asked == null || asked.isZero()) {
                invalid(TIMEOUT_HEADER + " must be positive integer milliseconds, or like 500ms or 2s").send(req, res);
                return;
            }
            timeout = asked.compareTo(config.maxTimeout()) > 0 ? config.maxTimeout() : asked;
        }
        Duration effective = timeout;
        boolean[] led = {false};
        Answer answer;
        try {
            SingleFlight.Result<Answer> r = flights.doCall(new Key(mode, effective.toMillis()), () -> {
                led[0] = true;
                return fanOut(mode.equals("all"), effective);
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

    private Answer fanOut(boolean all, Duration timeout) {
        List<Upstream> upstreams = config.upstreams();
        UpstreamClient.Result[] results = new UpstreamClient.Result[upstreams.size()];
        CancelContext ctx = Context.withTimeout(lifetime, timeout);
        try {
            ErrGroup group = ErrGroup.withContext(ctx);
            group.setLimit(config.concurrency());
            Throwable failure = null;
            boolean interrupted = false;
            try {
                for (int i = 0; i < results.length; i++) {
                    int at = i;
                    group.go(() -> {
                        UpstreamClient.Result r = client.call(group.context(), upstreams.get(at));
                        results[at] = r;
                        if (all && !r.ok()) {
                            throw new UpstreamFailed(r);
                        }
                    });
                }
            } catch (InterruptedException interruptedWhileWaitingForASlot) {
                interrupted = true;
                ctx.cancel();
            }
            // Every task honours ctx, so once it is cancelled this wait is short: never leave
            // calls running behind the answer.
            while (true) {
                try {
                    group.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    ctx.cancel();
                } catch (ExecutionException e) {
                    failure = e.getCause();
                    break;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (lifetime.isDone() || interrupted) {
                return shuttingDown();
            }
            if (failure instanceof UpstreamFailed f) {
                UpstreamClient.Result r = f.result;
                return r.outcome() == UpstreamClient.Outcome.TIMEOUT
                        ? new Answer(null, Problem.forStatus(Status.GATEWAY_TIMEOUT_504, "upstream " + r.name()
                                + " did not answer within " + timeout.toMillis() + " ms"))
                        : new Answer(null, Problem.forStatus(Status.BAD_GATEWAY_502, "upstream " + r.name() + ": " + r.error()));
            }
            if (failure != null) {
                throw new IllegalStateException("aggregate task failed", failure);
            }
            return new Answer(body(all, timeout, results), null);
        } finally {
            ctx.cancel();
        }
    }

    private static byte[] body(boolean all, Duration timeout, UpstreamClient.Result[] results) {
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
