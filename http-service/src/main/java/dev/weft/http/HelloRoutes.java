package dev.weft.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
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
        String invalid = req.query().contains("name") && !isUtf8(req.query().getRaw("name"))
                ? "name must be valid UTF-8"
                : validate(name);
        if (invalid != null) {
            Problem.of("invalid-parameter", "Invalid parameter", Status.BAD_REQUEST_400, invalid).send(req, res);
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(JSON.writeValueAsBytes(Map.of("message", "Hello, " + name + "!")));
    }

    /**
     * Whether a raw (percent-encoded) query value decodes to valid UTF-8. Helidon's decoded value
     * replaces bad bytes with U+FFFD, which would let {@code %FF} pass as a printable character.
     */
    static boolean isUtf8(String raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int lo = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (hi < 0 || lo < 0) {
                    return false;
                }
                bytes.write(hi << 4 | lo);
                i += 2;
            } else if (c < 0x80) {
                bytes.write(c);
            } else {
                return false; // a raw non-ASCII char: the bytes on the wire were not percent-encoded UTF-8
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
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
