package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Context;
import dev.weft.patterns.ContextDoneException;
import dev.weft.patterns.testing.NoLeakedThreads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(NoLeakedThreads.class)
class FetchHandlerTest {

    private HttpServer server;
    private ExecutorService serverThreads;
    private FetchHandler handler;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final CountDownLatch slowRelease = new CountDownLatch(1);
    private final CountDownLatch slowEntered = new CountDownLatch(1);

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        serverThreads = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(serverThreads);
        server.createContext("/bytes/", ex -> {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                // Hold each request briefly so that concurrent ones overlap and the limit shows.
                Thread.sleep(20);
                int n = Integer.parseInt(ex.getRequestURI().getPath().substring("/bytes/".length()));
                ex.sendResponseHeaders(n == 0 ? 204 : 200, n == 0 ? -1 : n);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(new byte[n]);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
                ex.close();
            }
        });
        server.createContext("/missing", ex -> {
            ex.sendResponseHeaders(404, -1);
            ex.close();
        });
        server.createContext("/slow", ex -> {
            slowEntered.countDown();
            try {
                slowRelease.await(30, TimeUnit.SECONDS);
                ex.sendResponseHeaders(200, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ex.close();
            }
        });
        server.start();
        handler = new FetchHandler(Set.of("127.0.0.1", "LocalHost"), 5, 2);
    }

    @AfterEach
    void stopServer() {
        slowRelease.countDown();
        handler.close();
        server.stop(0);
        serverThreads.close();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private static ObjectNode payload(String... urls) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        ArrayNode a = p.putArray("urls");
        for (String u : urls) {
            a.add(u);
        }
        return p;
    }

    @Test
    void fetchesEveryUrlWithStatusAndByteCountInPayloadOrderWithinTheLimit() throws Exception {
        ObjectNode p = payload(url("/bytes/10"), url("/bytes/0"), url("/missing"), url("/bytes/5000"), url("/bytes/1"));
        handler.validate(p);
        JsonNode r = handler.run(Context.withTimeout(Context.background(), Duration.ofSeconds(20)), p).get("results");
        assertEquals(5, r.size());
        long[][] expected = {{200, 10}, {204, 0}, {404, 0}, {200, 5000}, {200, 1}};
        for (int i = 0; i < 5; i++) {
            assertEquals(p.get("urls").get(i).asText(), r.get(i).get("url").asText());
            assertEquals(expected[i][0], r.get(i).get("status").asLong(), r.toString());
            assertEquals(expected[i][1], r.get(i).get("bytes").asLong(), r.toString());
        }
        assertTrue(maxInFlight.get() <= 2, "at most worker.fetch.concurrency in flight: " + maxInFlight.get());
    }

    @Test
    void disallowedHostBadSchemeAndTooManyUrlsAreInvalid() {
        int port = server.getAddress().getPort();
        for (ObjectNode bad : new ObjectNode[] {
                payload("http://example.com/"),
                payload("http://10.0.0.1:" + port + "/"),
                payload("ftp://127.0.0.1:" + port + "/"),
                payload("file:///etc/passwd"),
                payload("http://user@127.0.0.1:" + port + "/"),
                payload("not a url"),
                payload(),
                payload(url("/bytes/1"), url("/bytes/1"), url("/bytes/1"), url("/bytes/1"), url("/bytes/1"), url("/bytes/1")),
                JsonNodeFactory.instance.objectNode().put("urls", "http://127.0.0.1/")}) {
            assertThrows(JobHandler.InvalidPayloadException.class, () -> handler.validate(bad), bad.toString());
        }
    }

    @Test
    void hostNamesCompareCaseInsensitively() throws Exception {
        handler.validate(payload("http://LOCALHOST:1/x", "https://127.0.0.1/"));
    }

    @Test
    void refusedConnectionFailsTheJobAsRetryable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        ObjectNode p = payload(url("/bytes/1"), "http://127.0.0.1:" + closedPort + "/");
        assertThrows(JobHandler.RetryableJobException.class,
                () -> handler.run(Context.withTimeout(Context.background(), Duration.ofSeconds(20)), p));
    }

    @Test
    void deadlineAbortsFetchesInFlight() throws Exception {
        CancelContext ctx = Context.withTimeout(Context.background(), Duration.ofSeconds(20));
        Thread canceller = Thread.ofVirtual().start(() -> {
            try {
                slowEntered.await();
                ctx.cancel();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertThrows(ContextDoneException.class, () -> handler.run(ctx, payload(url("/slow"))));
        canceller.join();
    }
}
