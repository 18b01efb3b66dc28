package dev.weft.benchmarks.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import java.util.Map;

/**
 * The baseline of the HTTP load comparison ({@code benchmarks/load/wrk-compare.sh}) and of the
 * start-up comparison ({@code benchmarks/startup/startup-compare.sh}): a bare Helidon SE
 * WebServer with a hello route, {@code GET /api/v1/hello}, answering {@code
 * {"message":"Hello, world!"}} as JSON through Jackson, which is the work Weft's hello does
 * without a {@code name}, minus Weft's request filter, error handling and metrics; and one health
 * route, {@code GET /health/ready}, always 200, the moment the start-up comparison waits for.
 *
 * <p>Usage: {@code java -cp "benchmarks/target/classes:benchmarks/target/lib/*"
 * dev.weft.benchmarks.http.BareHelloServer [port]} (default 18090). Runs until killed.
 */
public final class BareHelloServer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private BareHelloServer() {
    }

    public static void main(String[] args) {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 18090;
        WebServer server = WebServer.builder()
                .host("127.0.0.1")
                .port(port)
                .routing(routing -> routing.get("/api/v1/hello", (req, res) -> {
                    String name = req.query().first("name").orElse("world");
                    res.header(HeaderNames.CONTENT_TYPE, "application/json");
                    res.send(JSON.writeValueAsBytes(Map.of("message", "Hello, " + name + "!")));
                }).get("/health/ready", (req, res) -> res.send("UP")))
                .build()
                .start();
        System.out.println("bare hello server listening on 127.0.0.1:" + server.port());
    }
}
