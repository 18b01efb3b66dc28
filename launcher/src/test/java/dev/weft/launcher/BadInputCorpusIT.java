package dev.weft.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bad-input corpus ({@code bad-requests.json}, at least 100 malformed requests, among them
 * every {@code Transfer-Encoding}/{@code Content-Length} variant of RFC 9112 §6-7 and the
 * request-smuggling shapes) against the packaged launcher: each must get its expected status as
 * problem+json (a 4xx, or the 501 and 505 that RFC 9112 and RFC 9110 prescribe for a transfer
 * coding or HTTP version the server does not implement), never a stack trace; {@code
 * /health/live} must stay 200 throughout; and after each, the metrics on the admin port must
 * count no request as a server error ({@code outcome="SERVER_ERROR"}): nothing a client sends
 * may move the server-error ratio.
 *
 * <p>Corpus entries: {@code name}, {@code expect} (the status), and either {@code raw} (the
 * request verbatim; each char is one byte, so {@code \u00ff} is the byte 0xFF) or {@code method},
 * {@code target}, {@code headers}, {@code body} (UTF-8) / {@code bodyBytes} (one byte per char),
 * with optional {@code bodyRepeat}/{@code targetRepeat}/{@code headerRepeat} ({@code text} times
 * {@code times}), {@code manyHeaders} (that many extra headers), {@code chunked}, {@code slow}
 * (one byte at a time) and {@code halfClose} (the client shuts its output after the request).
 */
class BadInputCorpusIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static LauncherProcess weft;

    @BeforeAll
    static void start() throws Exception {
        weft = LauncherProcess.start();
        weft.awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        weft.sigterm();
        assertEquals(0, weft.awaitExit(Duration.ofSeconds(40)), weft.output());
        weft.assertNoWeftThreadsLeft();
        weft.close();
    }

    @Test
    void everyMalformedRequestGetsItsFourHundredAsProblemJson() throws Exception {
        JsonNode corpus;
        try (InputStream in = BadInputCorpusIT.class.getResourceAsStream("/bad-requests.json")) {
            corpus = JSON.readTree(in);
        }
        assertTrue(corpus.size() >= 100, "the corpus holds at least 100 requests: " + corpus.size());
        List<String> failures = new ArrayList<>();
        for (JsonNode c : corpus) {
            String name = c.get("name").asText();
            int expect = c.get("expect").asInt();
            boolean slow = c.path("slow").asBoolean(false);
            RawHttp.Response r = RawHttp.exchange(weft.apiPort(), bytes(c),
                    slow ? Duration.ofMillis(2) : Duration.ZERO, Duration.ofSeconds(20), c.path("halfClose").asBoolean(false));
            String problem = check(r, expect);
            if (problem != null) {
                failures.add(name + ": " + problem);
            }
            int live = weft.status("/health/live", weft.adminPort());
            if (live != 200) {
                failures.add(name + ": /health/live answered " + live + " afterwards");
            }
            // A request is counted once its answer is written, so a 5xx could show a case late;
            // the check after the last case catches it whichever case it was.
            List<String> serverErrors = weft.serverErrorSeries();
            if (!serverErrors.isEmpty()) {
                failures.add(name + " (or the case before): counted as a server error: " + serverErrors);
            }
        }
        assertEquals(List.of(), failures, "corpus failures\n" + String.join("\n", failures));
    }

    /** Null when the response is right, else what is wrong with it. */
    private static String check(RawHttp.Response r, int expect) {
        if (r.status() != expect) {
            return "expected " + expect + ", got " + r.status() + " " + abbreviate(r.body());
        }
        String type = r.header("content-type");
        if (type == null || !type.startsWith("application/problem+json")) {
            return "content type " + type + ", body " + abbreviate(r.body());
        }
        String body = r.body();
        if (body.contains("Exception") || body.contains("\tat ") || body.contains("java.") || body.contains("io.helidon")) {
            return "internals leaked: " + abbreviate(body);
        }
        try {
            JsonNode p = JSON.readTree(body);
            if (p.path("status").asInt() != expect || !p.hasNonNull("type") || !p.hasNonNull("title")) {
                return "not a complete problem: " + abbreviate(body);
            }
        } catch (Exception e) {
            return "problem body is not JSON: " + abbreviate(body);
        }
        return null;
    }

    private static byte[] bytes(JsonNode c) {
        if (c.has("raw")) {
            return c.get("raw").asText().getBytes(StandardCharsets.ISO_8859_1);
        }
        StringBuilder target = new StringBuilder(c.get("target").asText());
        if (c.has("targetRepeat")) {
            target.append(repeat(c.get("targetRepeat")));
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (c.has("body")) {
            body.writeBytes(c.get("body").asText().getBytes(StandardCharsets.UTF_8));
        }
        if (c.has("bodyBytes")) {
            body.writeBytes(c.get("bodyBytes").asText().getBytes(StandardCharsets.ISO_8859_1));
        }
        if (c.has("bodyRepeat")) {
            body.writeBytes(repeat(c.get("bodyRepeat")).getBytes(StandardCharsets.UTF_8));
        }
        boolean chunked = c.path("chunked").asBoolean(false);
        StringBuilder head = new StringBuilder();
        head.append(c.get("method").asText()).append(' ').append(target).append(" HTTP/1.1\r\n");
        head.append("Host: 127.0.0.1\r\nConnection: close\r\n");
        for (Iterator<Map.Entry<String, JsonNode>> it = c.path("headers").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> h = it.next();
            head.append(h.getKey()).append(": ").append(h.getValue().asText()).append("\r\n");
        }
        if (c.has("headerRepeat")) {
            head.append(c.get("headerRepeat").get("name").asText()).append(": ").append(repeat(c.get("headerRepeat"))).append("\r\n");
        }
        for (int i = 0; i < c.path("manyHeaders").asInt(0); i++) {
            head.append("X-Header-").append(i).append(": v\r\n");
        }
        if (!chunked && (body.size() > 0 || !c.get("method").asText().equals("GET"))) {
            head.append("Content-Length: ").append(body.size()).append("\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (chunked) {
            byte[] all = body.toByteArray();
            for (int at = 0; at < all.length; at += 8192) {
                int n = Math.min(8192, all.length - at);
                out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(all, at, n);
                out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        } else {
            out.writeBytes(body.toByteArray());
        }
        return out.toByteArray();
    }

    private static String repeat(JsonNode spec) {
        return spec.get("text").asText().repeat(spec.get("times").asInt());
    }

    private static String abbreviate(String s) {
        String flat = s.replace('\n', ' ');
        return flat.length() > 300 ? flat.substring(0, 300) + "..." : flat;
    }
}
