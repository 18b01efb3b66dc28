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
import java.util.Map;

/**
 * {@code GET /api/v1/demo/upstream/{name}?delay=&status=}: a stand-in upstream on this same
 * server, so that the default aggregate configuration shows a real fan-out on a laptop. It waits
 * {@code delay} ({@code 50ms}, {@code 2s} or integer milliseconds, at most {@value #MAX_DELAY_SECONDS}
 * s) and answers {@code status} (default 200), or 503 at once if the server shuts down meanwhile.
 */
final class DemoUpstreamRoutes implements HttpService {

    static final int MAX_DELAY_SECONDS = 10;
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
            invalid = "status must be an integer from 200 to 599";
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
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(JSON.writeValueAsBytes(body));
    }

    private static Integer parseStatus(String text) {
        try {
            int s = Integer.parseInt(text);
            return s >= 200 && s <= 599 ? s : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
