package dev.weft.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Upstreams that misbehave at the TCP and HTTP level, against the packaged launcher: one resets
 * every connection, one accepts and never answers, one answers with garbage. Each aggregate gets
 * a 502 or 504 problem (200 with per-upstream errors in partial mode), and the server keeps
 * serving.
 */
class MisbehavingUpstreamsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<ServerSocket> upstreams = new CopyOnWriteArrayList<>();
    private static final List<Socket> held = new CopyOnWriteArrayList<>();
    private static LauncherProcess weft;

    @BeforeAll
    static void start() throws Exception {
        int reset = upstream(s -> {
            try {
                s.setSoLinger(true, 0); // close with RST, not FIN
                s.close();
            } catch (IOException ignored) {
                // already gone
            }
        });
        int hang = upstream(held::add); // accepted, never answered, closed at the end
        int garbage = upstream(s -> {
            try (s; OutputStream out = s.getOutputStream(); InputStream in = s.getInputStream()) {
                in.read(new byte[1024]);
                out.write("\u0000\u00ffHELLO THIS IS NOT HTTP\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            } catch (IOException ignored) {
                // the client gave up
            }
        });
        weft = LauncherProcess.start("--http.aggregate.timeout=1s",
                "--http.aggregate.upstreams=reset=http://127.0.0.1:" + reset + "/,hang=http://127.0.0.1:" + hang
                        + "/,garbage=http://127.0.0.1:" + garbage + "/");
        weft.awaitReady(Duration.ofSeconds(60));
    }

    /** A TCP server on a free loopback port that hands every connection to {@code onAccept}. */
    private static int upstream(Consumer<Socket> onAccept) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        upstreams.add(server);
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> onAccept.accept(s));
                } catch (IOException closed) {
                    return;
                }
            }
        });
        return server.getLocalPort();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            weft.sigterm();
            assertEquals(0, weft.awaitExit(Duration.ofSeconds(40)), weft.output());
            weft.assertNoWeftThreadsLeft();
        } finally {
            weft.close();
            for (Socket s : held) {
                s.close();
            }
            for (ServerSocket s : upstreams) {
                s.close();
            }
        }
    }

    @Test
    void allModeAnswersAProblemAndTheServerKeepsServing() throws Exception {
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = get("/api/v1/aggregate");
            assertTrue(r.statusCode() == 502 || r.statusCode() == 504, r.statusCode() + " " + r.body());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"), r.body());
            JsonNode p = JSON.readTree(r.body());
            assertEquals(r.statusCode(), p.get("status").asInt());
            assertTrue(!r.body().contains("Exception") && !r.body().contains("\tat "), r.body());
            assertEquals(200, get("/api/v1/hello?name=after").statusCode());
            assertEquals(200, weft.status("/health/live", weft.adminPort()));
        }
        // The upstreams' faults are counted as the server's (502/504 on the aggregate), and
        // nothing else is: not the hello requests between them.
        for (String series : weft.serverErrorSeries()) {
            assertTrue(series.contains("uri=\"/api/v1/aggregate\"") && series.matches(".*status=\"50[24]\".*"), series);
        }
    }

    @Test
    void partialModeReportsEachUpstreamsError() throws Exception {
        HttpResponse<String> r = get("/api/v1/aggregate?mode=partial");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals(3, body.get("upstreams").size(), r.body());
        for (JsonNode u : body.get("upstreams")) {
            assertTrue(u.hasNonNull("error") && !u.get("error").asText().isBlank(), "an error for " + u);
        }
        assertEquals(200, get("/api/v1/hello").statusCode());
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return LauncherProcess.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + weft.apiPort() + path))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
