package dev.weft.http.support;

import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** HEAD through {@link HeadRequests}: the GET route's status and headers, the body's length, no body. */
class HeadRequestsTest {

    private static WebServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        server = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .routing(routing -> HeadRequests.servedOn(routing)
                        .get("/bytes", (req, res) -> res.header("X-Route", "bytes").send("hello".getBytes(StandardCharsets.UTF_8)))
                        .get("/stream", (req, res) -> {
                            try (OutputStream out = res.outputStream()) {
                                out.write("streamed!".getBytes(StandardCharsets.UTF_8));
                            }
                        })
                        .get("/gone", (req, res) -> res.status(410).send("gone"))
                        .head("/own", (req, res) -> res.header("X-Own", "yes").send())
                        .post("/post", (req, res) -> res.send("posted")))
                .build()
                .start();
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.stop();
    }

    private static HttpResponse<String> send(String method, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void headGetsTheStatusHeadersAndLengthOfGetWithoutTheBody() throws Exception {
        for (String path : new String[] {"/bytes", "/stream", "/gone"}) {
            HttpResponse<String> get = send("GET", path);
            HttpResponse<String> head = send("HEAD", path);
            assertEquals(get.statusCode(), head.statusCode(), path);
            assertEquals(String.valueOf(get.body().length()), head.headers().firstValue("Content-Length").orElse(""), path);
            assertEquals(get.headers().firstValue("X-Route"), head.headers().firstValue("X-Route"), path);
            assertEquals("", head.body(), path);
        }
    }

    @Test
    void aRouteThatServesHeadItselfKeepsItAndOtherMethodsGetNoHead() throws Exception {
        assertEquals("yes", send("HEAD", "/own").headers().firstValue("X-Own").orElse(""));
        assertEquals(404, send("HEAD", "/post").statusCode());
    }
}
