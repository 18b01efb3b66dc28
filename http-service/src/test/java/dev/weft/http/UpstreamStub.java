package dev.weft.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real upstream servers for the aggregate tests (JDK HttpServer on port 0, its own virtual
 * threads, not Weft's): {@code /ok}, {@code /slow} (answers after 200 ms), {@code /fail} (500), {@code /fail-after-hang} (500 once
 * {@code /hang} has begun),
 * {@code /hang} (starts a response and never ends it; counts {@link #hangClosed} down when the
 * client goes away), {@code /big} (a body one byte over {@link UpstreamClient#MAX_BODY_BYTES}), {@code /gate} (counts its hits, answers when {@link #release} opens).
 */
final class UpstreamStub implements AutoCloseable {

    private static final Duration HANDLER_BOUND = Duration.ofSeconds(30);

    final CountDownLatch hangStarted = new CountDownLatch(1);
    final CountDownLatch hangClosed = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger gateHits = new AtomicInteger();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpServer server;

    UpstreamStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 100);
        server.setExecutor(executor);
        server.createContext("/ok", ex -> answer(ex, 200));
        server.createContext("/fail", ex -> answer(ex, 500));
        // Fails only once /hang has begun, so that the failure has a running sibling to cancel
        // (otherwise the fan-out may be cancelled before the hanging call is ever sent).
        server.createContext("/fail-after-hang", ex -> {
            try {
                hangStarted.await(HANDLER_BOUND.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(ex, 500);
        });
        server.createContext("/slow", ex -> {
            try {
                new CountDownLatch(1).await(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(ex, 200);
        });
        server.createContext("/gate", ex -> {
            gateHits.incrementAndGet();
            try {
                release.await(HANDLER_BOUND.toSeconds(), TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(ex, 200);
        });
        server.createContext("/hang", this::hang);
        server.createContext("/big", ex -> answer(ex, 200, new byte[UpstreamClient.MAX_BODY_BYTES + 1]));
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private void hang(HttpExchange ex) {
        hangStarted.countDown();
        long end = System.nanoTime() + HANDLER_BOUND.toNanos();
        try (ex) {
            ex.sendResponseHeaders(200, 0);
            OutputStream body = ex.getResponseBody();
            // A write is the only way this server notices that the client closed the connection.
            while (System.nanoTime() < end) {
                body.write(' ');
                body.flush();
                new CountDownLatch(1).await(20, TimeUnit.MILLISECONDS);
            }
        } catch (IOException e) {
            hangClosed.countDown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void answer(HttpExchange ex, int status) throws IOException {
        answer(ex, status, "{}".getBytes(StandardCharsets.UTF_8));
    }

    private static void answer(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
