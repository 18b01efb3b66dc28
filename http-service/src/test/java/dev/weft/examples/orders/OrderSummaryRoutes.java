package dev.weft.examples.orders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.weft.http.FanOut;
import dev.weft.http.RequestContext;
import dev.weft.http.Upstream;
import dev.weft.http.UpstreamClient;
import io.helidon.http.BadRequestException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.time.Duration;
import java.util.List;

/** {@code GET /api/v1/orders/{id}/summary}: the order and its payment, fetched at once under one deadline. */
public record OrderSummaryRoutes(UpstreamClient client, Upstream orders, Upstream payments) implements HttpService {

    @Override
    public void routing(HttpRules rules) {
        rules.get("/orders/{id}/summary", this::summary);
    }

    private void summary(ServerRequest req, ServerResponse res) throws Exception {
        String id = req.path().pathParameters().get("id");
        if (!id.matches("[A-Za-z0-9-]{1,64}")) {
            throw new BadRequestException("id must be 1-64 letters, digits or '-'");
        }
        var ctx = RequestContext.of(req, Duration.ofSeconds(2));
        List<JsonNode> parts = FanOut.all(ctx, List.of(
                c -> client.get(c, orders.at("/orders/" + id)).orThrow().json(),
                c -> client.get(c, payments.at("/payments/" + id)).orThrow().json()));
        var summary = JsonNodeFactory.instance.objectNode().put("id", id);
        summary.set("order", parts.get(0));
        summary.set("payment", parts.get(1));
        res.header(HeaderNames.CONTENT_TYPE, "application/json").send(summary.toString());
    }
}
