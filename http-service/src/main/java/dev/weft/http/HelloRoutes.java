package dev.weft.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Map;

/** {@code GET /api/v1/hello?name=}: the smallest real endpoint, with input validation. */
final class HelloRoutes implements HttpService {

    static final int MAX_NAME_LENGTH = 64;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public void routing(HttpRules rules) {
        rules.get("/hello", this::hello);
    }

    private void hello(ServerRequest req, ServerResponse res) throws Exception {
        String name = req.query().first("name").orElse("world");
        String invalid = validate(name);
        if (invalid != null) {
            Problem.of("invalid-parameter", "Invalid parameter", Status.BAD_REQUEST_400, invalid).send(req, res);
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(JSON.writeValueAsBytes(Map.of("message", "Hello, " + name + "!")));
    }

    /** Null when valid, else why not. */
    static String validate(String name) {
        if (name.isEmpty()) {
            return "name must not be empty";
        }
        if (name.codePointCount(0, name.length()) > MAX_NAME_LENGTH) {
            return "name must be at most " + MAX_NAME_LENGTH + " characters";
        }
        boolean printable = name.codePoints().allMatch(cp -> !Character.isISOControl(cp)
                && Character.getType(cp) != Character.UNASSIGNED
                && Character.getType(cp) != Character.SURROGATE
                && Character.getType(cp) != Character.FORMAT);
        return printable ? null : "name must contain printable characters only";
    }
}
