package dev.weft.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.patterns.Context;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code GET /api/v1/demo/upstream/{name}?delay=&status=}: a stand-in upstream on this same
 * server, so that the default aggregate configuration shows a real fan-out on a laptop. It waits
 * {@code delay} ({@code 50ms}, {@code 2s} or integer milliseconds, at most {@value #MAX_DELAY_SECONDS}
 * s) and answers {@code status} (default 200), or 503 at once if the server shuts down meanwhile.
 *
 * <p>{@code status} is one of {@link #STATUSES}, not any code: each status the server answers is a
 * label value of the request histogram, so a free choice would let a client open series at will.
 * 204, 205 and 304 are answered without a body, as RFC 9110 requires. Mounted only while {@code
 * http.demo.enabled} is on.
 */
final class DemoUpstreamRoutes implements HttpService {

    static final int MAX_DELAY_SECONDS = 10;
    /** The statuses {@code ?status=} may ask for: enough to drive every branch of an aggregate. */
    static final Set<Integer> STATUSES = new TreeSet<>(List.of(200, 201, 202, 204, 205, 304, 400, 404, 409, 429,
            500, 502, 503, 504));
    private static final Set<Integer> NO_BODY = Set.of(204, 205, 304);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Context lifetime;

    DemoUpstreamRoutes(Context lifetime) {
        this.lifetime = lifetime;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/demo/upstream/{name}", this::upstream);
    }

    private void upstream(ServerRequest req, ServerResponse res) throws Exception {
        String name = req.path().pathParameters().get("name");
        String invalid = HelloRoutes.validate(name);
        Duration delay = Timeouts.parse(req.query().first("delay").orElse("0"));
        Integer status = parseStatus(req.query().first("status").orElse("200"));
        if (invalid == null && (delay == null || delay.compareTo(Duration.ofSeconds(MAX_DELAY_SECONDS)) > 0)) {
            invalid = "delay must be like 50ms, 2s or integer milliseconds, at most " + MAX_DELAY_SECONDS + "s";
        }
        if (invalid == null && status == null) {
            invalid = "status must be one of " + STATUSES;
        }
        if (invalid != null) {
            Problem.of("invalid-parameter", "Invalid parameter", Status.BAD_REQUEST_400, invalid).send(req, res);
            return;
        }
        if (lifetime.await(delay)) {
            Problem.of("shutting-down", "Shutting down", Status.SERVICE_UNAVAILABLE_503, "the server is shutting down").send(req, res);
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("upstream", name);
        body.put("delayMillis", delay.toMillis());
        res.status(Status.create(status));
        if (NO_BODY.contains(status)) {
            res.send();
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(JSON.writeValueAsBytes(body));
    }

    private static Integer parseStatus(String text) {
        try {
            int s = Integer.parseInt(text);
            return STATUSES.contains(s) ? s : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
