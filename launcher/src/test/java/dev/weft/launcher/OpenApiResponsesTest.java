package dev.weft.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.weft.http.Aggregation;
import dev.weft.http.ApiServer;
import dev.weft.http.Upstream;
import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import dev.weft.worker.ChecksumHandler;
import dev.weft.worker.JobHandler;
import dev.weft.worker.WorkerService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenAPI document lists exactly the responses the routes give: each operation is driven into
 * every status it can answer, with the real job API mounted, and the statuses seen must equal the
 * statuses documented. The refusals every route shares (429 rate limit, 431 headers too large,
 * 503 concurrency limit) come from one filter, so they are driven once and expected on every
 * operation.
 */
@ExtendWith(NoLeakedThreads.class)
class OpenApiResponsesTest {

    private static final Set<Integer> SHARED_REFUSALS = Set.of(429, 431, 503);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<Runnable> stops = new ArrayList<>();
    private final Map<String, Set<Integer>> seen = new TreeMap<>();
    private final CountDownLatch blockerStarted = new CountDownLatch(1);
    private final CountDownLatch releaseBlocker = new CountDownLatch(1);

    /** A job type that holds its worker until released, so that the queue can be filled. */
    private final JobHandler blocker = new JobHandler() {
        @Override
        public String type() {
            return "block";
        }

        @Override
        public void validate(JsonNode payload) {
        }

        @Override
        public JsonNode run(Context ctx, JsonNode payload) throws Exception {
            blockerStarted.countDown();
            releaseBlocker.await(30, TimeUnit.SECONDS);
            return payload;
        }
    };

    @AfterEach
    void stopAll() {
        releaseBlocker.countDown();
        stops.reversed().forEach(Runnable::run);
        http.close();
    }

    private int server(ApiServer.Builder builder, WorkerService worker) {
        worker.start();
        stops.add(() -> {
            try {
                worker.stop(Context.withTimeout(Context.background(), Duration.ofSeconds(5)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ApiServer api = builder.host("127.0.0.1").port(0).registry(new SimpleMeterRegistry())
                .mount("/api/v1", worker.routes("/api/v1")).build();
        api.start();
        stops.add(() -> api.stop(Context.withTimeout(Context.background(), Duration.ofSeconds(5))));
        return api.port();
    }

    private WorkerService worker() {
        return WorkerService.builder().workers(1).queueCapacity(1).registry(new SimpleMeterRegistry())
                .handler(new ChecksumHandler()).handler(blocker).build();
    }

    private static Aggregation upstreams(String spec) {
        return new Aggregation(Duration.ofSeconds(2), Duration.ofSeconds(10), 8, Upstream.parseList(spec));
    }

    @Test
    void theDocumentListsExactlyTheResponsesTheRoutesGive() throws Exception {
        int main = server(ApiServer.builder().maxPayloadSize(1024).maxConcurrentRequests(4)
                .aggregation(upstreams("slow=http://{self}/api/v1/demo/upstream/slow?delay=300ms")), worker());
        int failing = server(ApiServer.builder().aggregation(upstreams("bad=http://{self}/api/v1/demo/upstream/bad?status=500")), worker());
        int limited = server(ApiServer.builder().rateLimit(0.001, 1), worker());

        String hello = "GET /api/v1/hello";
        get(hello, main, "/api/v1/hello?name=Ada");
        get(hello, main, "/api/v1/hello?name=");

        String aggregate = "GET /api/v1/aggregate";
        get(aggregate, main, "/api/v1/aggregate");
        get(aggregate, main, "/api/v1/aggregate?mode=sometimes");
        send(aggregate, main, HttpRequest.newBuilder(uri(main, "/api/v1/aggregate")).header("X-Request-Timeout", "50ms"));
        get(aggregate, failing, "/api/v1/aggregate");

        String demo = "GET /api/v1/demo/upstream/{name}";
        for (int status : List.of(200, 201, 202, 204, 205, 304, 400, 404, 409, 429, 500, 502, 503, 504)) {
            get(demo, main, "/api/v1/demo/upstream/x?status=" + status);
        }
        get(demo, main, "/api/v1/demo/upstream/x?delay=forever");

        String submit = "POST /api/v1/jobs";
        post(submit, main, "application/json", "{\"type\":\"checksum\",\"payload\":{\"text\":\"hi\"}}");
        post(submit, main, "application/json", "{\"type\":");
        post(submit, main, "text/plain", "hi");
        post(submit, main, "application/json", "{\"type\":\"checksum\",\"payload\":{\"text\":\"" + "a".repeat(2000) + "\"}}");
        // One Idempotency-Key with two different bodies: the second is a 422.
        for (String text : List.of("first", "second")) {
            send(submit, main, HttpRequest.newBuilder(uri(main, "/api/v1/jobs")).header("Content-Type", "application/json")
                    .header("Idempotency-Key", "openapi-reused-key")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"checksum\",\"payload\":{\"text\":\"" + text + "\"}}")));
        }
        String job = "GET /api/v1/jobs/{id}";
        HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(uri(main, "/api/v1/jobs"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"checksum\",\"payload\":{\"text\":\"x\"}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        String location = accepted.headers().firstValue("Location").orElse("/none");
        seen.computeIfAbsent(submit, k -> new TreeSet<>()).add(accepted.statusCode());
        get(job, main, location);
        get(job, main, "/api/v1/jobs/00000000-0000-0000-0000-000000000000");

        // One job holds the only worker, one waits in the queue of one: the next is refused.
        post(submit, main, "application/json", "{\"type\":\"block\",\"payload\":{}}");
        assertTrue(blockerStarted.await(30, TimeUnit.SECONDS));
        post(submit, main, "application/json", "{\"type\":\"block\",\"payload\":{}}");
        post(submit, main, "application/json", "{\"type\":\"block\",\"payload\":{}}");

        get("GET /openapi", main, "/openapi");

        Set<Integer> shared = new TreeSet<>();
        shared.add(status(HttpRequest.newBuilder(uri(main, "/api/v1/hello")).header("X-Big", "a".repeat(17 * 1024))));
        status(HttpRequest.newBuilder(uri(limited, "/api/v1/hello")));
        shared.add(status(HttpRequest.newBuilder(uri(limited, "/api/v1/hello"))));
        // Four requests held by the demo route fill the concurrency limit of four.
        List<CompletableFuture<HttpResponse<Void>>> held = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            held.add(http.sendAsync(HttpRequest.newBuilder(uri(main, "/api/v1/demo/upstream/hold?delay=10s")).build(),
                    HttpResponse.BodyHandlers.discarding()));
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        int refused;
        do {
            refused = status(HttpRequest.newBuilder(uri(main, "/api/v1/hello")));
        } while (refused != 503 && System.nanoTime() < deadline);
        shared.add(refused);
        assertEquals(SHARED_REFUSALS, shared, "the refusals every route shares");

        Map<String, Set<Integer>> documented = documented();
        Map<String, Set<Integer>> expected = new TreeMap<>();
        seen.forEach((op, statuses) -> {
            Set<Integer> all = new TreeSet<>(statuses);
            all.addAll(SHARED_REFUSALS);
            expected.put(op, all);
        });
        assertEquals(expected, documented);
    }

    private Map<String, Set<Integer>> documented() throws Exception {
        JsonNode doc;
        try (InputStream in = ApiServer.class.getResourceAsStream("/dev/weft/http/openapi.yaml")) {
            doc = new ObjectMapper(new YAMLFactory()).readTree(in);
        }
        Map<String, Set<Integer>> documented = new TreeMap<>();
        doc.get("paths").properties().forEach(path -> path.getValue().properties().forEach(op -> {
            Set<Integer> statuses = new TreeSet<>();
            op.getValue().get("responses").fieldNames().forEachRemaining(s -> statuses.add(Integer.parseInt(s)));
            documented.put(op.getKey().toUpperCase(java.util.Locale.ROOT) + " " + path.getKey(), statuses);
        }));
        return documented;
    }

    private static URI uri(int port, String target) {
        return URI.create("http://127.0.0.1:" + port + target);
    }

    private void get(String op, int port, String target) throws Exception {
        send(op, port, HttpRequest.newBuilder(uri(port, target)));
    }

    private void post(String op, int port, String type, String body) throws Exception {
        send(op, port, HttpRequest.newBuilder(uri(port, "/api/v1/jobs")).header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private void send(String op, int port, HttpRequest.Builder request) throws Exception {
        seen.computeIfAbsent(op, k -> new TreeSet<>()).add(status(request));
    }

    private int status(HttpRequest.Builder request) throws Exception {
        return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
