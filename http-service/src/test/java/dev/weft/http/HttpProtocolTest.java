package dev.weft.http;

import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the public API does on the wire, from raw sockets and real clients: malformed and truncated
 * bodies, statuses without a body, HEAD, the header limit, HTTP/1.0, HTTP/2, gzip, and metric
 * labels no client can choose.
 */
@ExtendWith(NoLeakedThreads.class)
class HttpProtocolTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private ApiServer server;

    /** A mounted route that reads its body, as the job API does. */
    private static final class Echo implements HttpService {
        @Override
        public void routing(HttpRules rules) {
            rules.post("/", (req, res) -> res.send(req.content().as(byte[].class)));
        }
    }

    private int start(ApiServer.Builder builder) {
        server = builder.host("127.0.0.1").port(0).registry(registry).mount("/api/v1/echo", new Echo()).build();
        server.start();
        return server.port();
    }

    private int start() {
        return start(ApiServer.builder());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Context.background());
        }
    }

    @Test
    void aChunkSizeThatIsNotHexIsA400CountedAsTheClientsError() throws Exception {
        int port = start();
        // One answer, then the server closes: the body's leftover bytes are not read as a request.
        String all = untilClosed(port, "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
        assertTrue(all.startsWith("HTTP/1.1 400 "), all);
        assertTrue(all.contains("malformed-body"), all);
        assertEquals(1, all.split("HTTP/1.1 ", -1).length - 1, all);
        awaitCount("/api/v1/echo", "400", 1);
        awaitTotal(1);
        assertNoServerErrors();
    }

    @Test
    void aBodyCutShortByTheClientIsCountedAsTheClientsError() throws Exception {
        int port = start();
        exchange(port, "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"a\"", true);
        exchange(port, "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\"", true);
        awaitCount("/api/v1/echo", "400", 2);
        assertNoServerErrors();
    }

    @Test
    void aHandlerFailureStaysA500() throws Exception {
        int port = start(ApiServer.builder().mount("/api/v1/boom", new HttpService() {
            @Override
            public void routing(HttpRules rules) {
                rules.get("/", (req, res) -> {
                    throw new NumberFormatException("a bug, not the client's bytes");
                });
            }
        }));
        String answer = exchange(port, "GET /api/v1/boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false);
        assertTrue(answer.startsWith("HTTP/1.1 500 "), answer);
    }

    @Test
    void statusesWithoutContentAreSentWithoutABody() throws Exception {
        int port = start();
        for (String status : List.of("204", "205", "304")) {
            String answer = exchange(port, "GET /api/v1/demo/upstream/x?status=" + status
                    + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false);
            assertTrue(answer.startsWith("HTTP/1.1 " + status + " "), answer);
            assertEquals("", body(answer), answer);
            awaitCount("/api/v1/demo/upstream/{name}", status, 1);
        }
        assertNoServerErrors();
    }

    @Test
    void theDemoStatusIsOneOfAFixedSetSoItCannotOpenSeriesAtWill() throws Exception {
        int port = start();
        for (String status : List.of("418", "299", "599", "200000")) {
            String answer = exchange(port, "GET /api/v1/demo/upstream/x?status=" + status
                    + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), status + ": " + answer);
        }
        awaitCount("/api/v1/demo/upstream/{name}", "400", 4);
        Set<String> statuses = new TreeSet<>();
        registry.find("http.server.requests").timers().forEach(t -> statuses.add(t.getId().getTag("status")));
        assertEquals(Set.of("400"), statuses);
    }

    @Test
    void theMethodLabelIsBoundedToTheStandardMethods() throws Exception {
        int port = start();
        exchange(port, "FOO /api/v1/hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false);
        exchange(port, "get /api/v1/hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false);
        exchange(port, "GET /api/v1/hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false);
        awaitTotal(3);
        Set<String> methods = new TreeSet<>();
        registry.find("http.server.requests").timers().forEach(t -> methods.add(t.getId().getTag("method")));
        assertEquals(Set.of("GET", "OTHER"), methods);
    }

    @Test
    void headAnswersEveryGetRouteWithItsStatusAndHeadersAndNoBody() throws Exception {
        int port = start();
        for (String target : List.of("/api/v1/hello?name=Ada", "/api/v1/hello?name=", "/openapi", "/api/v1/demo/upstream/a",
                "/api/v1/demo/upstream/a?status=503", "/api/v1/aggregate?mode=nonsense", "/nope")) {
            // One X-Request-Id for both, else each answer carries its own new one.
            String get = exchange(port, "GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Request-Id: head-test\r\n\r\n", false);
            // A GET pipelined behind the HEAD: its answer must follow the HEAD's headers at once,
            // which it cannot if the HEAD's answer carried a body.
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                socket.setSoTimeout(20_000);
                socket.getOutputStream().write(("HEAD " + target + " HTTP/1.1\r\nHost: x\r\nX-Request-Id: head-test\r\n\r\n"
                        + "GET /api/v1/hello HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                InputStream in = socket.getInputStream();
                String head = readResponse(in, true);
                assertEquals(withoutDate(head(get)), withoutDate(head(head)), target);
                String next = readResponse(in, false);
                assertTrue(next.startsWith("HTTP/1.1 200 "), target + ": after the HEAD came " + next);
            }
            assertFalse(body(get).isEmpty(), target);
        }
        assertTrue(server.routes().contains("HEAD /api/v1/hello"), server.routes().toString());
    }

    @Test
    void headRefusedBeforeRoutingHasNoBodyEither() throws Exception {
        int port = start();
        // Helidon closes the connection after a refusal: everything it sent is here.
        String all = untilClosed(port, "HEAD /api/v1/hello HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n");
        assertTrue(all.startsWith("HTTP/1.1 400 "), all);
        assertEquals("", body(all), all);
    }

    @Test
    void headersOverTheLimitAre431() throws Exception {
        int port = start();
        String big = "a".repeat(HeaderLimit.MAX_BYTES);
        String answer = exchange(port, "GET /api/v1/hello HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\nConnection: close\r\n\r\n", false);
        assertTrue(answer.startsWith("HTTP/1.1 431 "), answer);
        assertTrue(answer.contains("headers-too-large"), answer);
        String justUnder = "a".repeat(HeaderLimit.MAX_BYTES - 200);
        assertTrue(exchange(port, "GET /api/v1/hello HTTP/1.1\r\nHost: x\r\nX-Big: " + justUnder + "\r\nConnection: close\r\n\r\n", false)
                .startsWith("HTTP/1.1 200 "));
    }

    @Test
    void http10IsRefusedWith505ProblemWithOrWithoutHttp2() throws Exception {
        for (boolean http2 : List.of(true, false)) {
            int port = start(ApiServer.builder().http2(http2));
            String answer = exchange(port, "GET /api/v1/hello HTTP/1.0\r\n\r\n", false);
            assertTrue(answer.startsWith("HTTP/1.1 505 "), "http2=" + http2 + ": " + answer);
            assertTrue(answer.contains("http-version-not-supported"), answer);
            assertTrue(exchange(port, "\u0001\u0002 nonsense\r\n\r\n", false).startsWith("HTTP/1.1 400 "), "http2=" + http2);
            stop();
            server = null;
        }
    }

    @Test
    void theDemoRoutesCanBeTurnedOff() throws Exception {
        int port = start(ApiServer.builder().demoRoutes(false));
        String answer = exchange(port, "GET /api/v1/demo/upstream/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false);
        assertTrue(answer.startsWith("HTTP/1.1 404 "), answer);
        assertFalse(server.routes().stream().anyMatch(r -> r.contains("/demo/")), server.routes().toString());
    }

    @Test
    void http2ByUpgradeFromTheJdkClient() throws Exception {
        int port = start();
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()) {
            // The JDK client speaks h2c by upgrade: the first request goes out as HTTP/1.1 with
            // Upgrade: h2c, and the connection then carries HTTP/2.
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/hello?name=h2"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertEquals("{\"message\":\"Hello, h2!\"}", r.body());
                assertEquals(HttpClient.Version.HTTP_2, r.version());
            }
        }
    }

    @Test
    void http2ByPriorKnowledgeFromCurl() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(curlHasHttp2(), "curl with HTTP/2 support is not installed");
        int port = start();
        Process curl = new ProcessBuilder("curl", "-s", "--http2-prior-knowledge", "-o", "/dev/null", "-w", "%{http_version} %{http_code}",
                "http://127.0.0.1:" + port + "/api/v1/hello").redirectErrorStream(true).start();
        assertTrue(curl.waitFor(20, TimeUnit.SECONDS));
        assertEquals("2 200", new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
        Process off = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-w", "%{http_version}", "--http2",
                "http://127.0.0.1:" + port + "/api/v1/hello").redirectErrorStream(true).start();
        assertTrue(off.waitFor(20, TimeUnit.SECONDS));
        assertEquals("2", new String(off.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim(), "h2c upgrade");
    }

    @Test
    void withHttp2OffTheUpgradeIsDeclined() throws Exception {
        int port = start(ApiServer.builder().http2(false));
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/hello"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            assertEquals(HttpClient.Version.HTTP_1_1, r.version());
        }
    }

    @Test
    void gzipIsNegotiatedByAcceptEncodingWhenCompressionIsOn() throws Exception {
        int port = start(ApiServer.builder().compression(true));
        try (HttpClient client = HttpClient.newHttpClient()) {
            URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/hello?name=zip");
            HttpResponse<byte[]> gz = client.send(HttpRequest.newBuilder(uri).header("Accept-Encoding", "gzip").build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals("gzip", gz.headers().firstValue("Content-Encoding").orElse(""));
            assertEquals("{\"message\":\"Hello, zip!\"}", gunzip(gz.body()));
            HttpResponse<String> plain = client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(plain.headers().firstValue("Content-Encoding").isEmpty());
            assertEquals("{\"message\":\"Hello, zip!\"}", plain.body());
        }
    }

    @Test
    void compressionIsOffByDefault() throws Exception {
        int port = start();
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/hello"))
                    .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(r.headers().firstValue("Content-Encoding").isEmpty());
            assertEquals("{\"message\":\"Hello, world!\"}", r.body());
        }
    }

    // --- helpers ---

    private static boolean curlHasHttp2() {
        try {
            Process p = new ProcessBuilder("curl", "-V").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor(10, TimeUnit.SECONDS) && out.contains("HTTP2");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String gunzip(byte[] bytes) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Writes {@code request} (one byte per char) and reads one response: its head, then its body
     * by Content-Length or chunked framing, or else until the server closes. {@code
     * closeAfterWrite} half-closes the connection, as a client that gives up does.
     */
    static String exchange(int port, String request, boolean closeAfterWrite) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            if (closeAfterWrite) {
                socket.shutdownOutput();
            }
            return readResponse(socket.getInputStream(), request.startsWith("HEAD "));
        }
    }

    /** Writes {@code request} and reads everything the server sends until it closes the connection. */
    private static String untilClosed(int port, String request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** One response from {@code in}; a response to HEAD has no body whatever its headers say. */
    static String readResponse(InputStream in, boolean toHead) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int last4 = 0;
        int b;
        while (last4 != 0x0D0A0D0A && (b = in.read()) >= 0) {
            out.write(b);
            last4 = (last4 << 8) | b;
        }
        String head = out.toString(StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        boolean noBody = toHead || head.matches("(?s)http/1\\.1 (1\\d\\d|204|304) .*");
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("\r\ncontent-length: *(\\d+)").matcher(head);
        if (noBody) {
            return out.toString(StandardCharsets.ISO_8859_1);
        } else if (length.find()) {
            out.write(in.readNBytes(Integer.parseInt(length.group(1))));
        } else if (head.contains("\r\ntransfer-encoding: chunked")) {
            String line;
            while (!(line = readLine(in)).isEmpty() && Integer.parseInt(line.split(";")[0].trim(), 16) > 0) {
                out.write(in.readNBytes(Integer.parseInt(line.split(";")[0].trim(), 16)));
                readLine(in);
            }
        } else {
            in.transferTo(out);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }

    private static String head(String answer) {
        int end = answer.indexOf("\r\n\r\n");
        return end < 0 ? answer : answer.substring(0, end);
    }

    private static String body(String answer) {
        int end = answer.indexOf("\r\n\r\n");
        return end < 0 ? "" : answer.substring(end + 4);
    }

    private static String withoutDate(String head) {
        return head.lines().filter(l -> !l.toLowerCase(Locale.ROOT).startsWith("date:")).toList().toString();
    }

    /** The filter records a request after its answer is written, so a meter may move a moment later. */
    private void awaitCount(String uri, String status, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long count = 0;
        while (System.nanoTime() < deadline) {
            Timer t = registry.find("http.server.requests").tag("uri", uri).tag("status", status).timer();
            count = t == null ? 0 : t.count();
            if (count >= expected) {
                break;
            }
            Thread.sleep(10);
        }
        assertEquals(expected, count, uri + " " + status + " in " + describe());
    }

    private void awaitTotal(long expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long total = 0;
        while (System.nanoTime() < deadline) {
            total = registry.find("http.server.requests").timers().stream().mapToLong(Timer::count).sum();
            if (total >= expected) {
                break;
            }
            Thread.sleep(10);
        }
        assertEquals(expected, total, describe());
    }

    private void assertNoServerErrors() {
        assertTrue(registry.find("http.server.requests").tag("outcome", "SERVER_ERROR").timers().isEmpty(), describe());
    }

    private String describe() {
        return registry.getMeters().stream().map(Meter::getId).map(Object::toString).toList().toString();
    }
}
