package dev.weft.launcher;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A load generator that behaves like clients behind a load balancer: {@code clients} virtual
 * threads send a mix of requests over keep-alive connections, while a poller reads
 * {@code /health/ready} the way an endpoint controller does. Once readiness answers anything
 * but 200, the generator opens no new request on this instance (requests already sent finish),
 * exactly as a load balancer stops routing to an endpoint that left the Service.
 *
 * <p>Every request's outcome is recorded: its status, or the exception that ended it (a reset,
 * a refused connection, a timeout). Job submissions accepted with 202 are remembered by id.
 */
final class LoadGenerator implements AutoCloseable {

    /** One kind of request in the mix, with its weight. */
    record Kind(String name, int weight, Function<Integer, HttpRequest> request) { }

    /** What happened to one request. */
    record Outcome(String kind, int status, String failure) {
        boolean completed() {
            return failure == null;
        }
    }

    private static final Pattern JOB_ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"");

    private final HttpClient http;
    /** Runs the client loops and the readiness poller. */
    private final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
    /** The HttpClient's own executor: it must outlive the client loops, whose requests it completes. */
    private final ExecutorService httpExecutor = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicBoolean routing = new AtomicBoolean(true);
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private final Map<String, Boolean> acceptedJobs = new ConcurrentHashMap<>();
    private final List<Kind> mix;
    private final int totalWeight;
    private final int adminPort;

    LoadGenerator(int adminPort, List<Kind> mix) {
        this.adminPort = adminPort;
        this.mix = List.copyOf(mix);
        this.totalWeight = mix.stream().mapToInt(Kind::weight).sum();
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(httpExecutor)
                .build();
    }

    /** Starts the readiness poller and {@code n} clients. */
    void start(int n) {
        clients.submit(this::pollReadiness);
        for (int i = 0; i < n; i++) {
            clients.submit(this::client);
        }
    }

    private void pollReadiness() {
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        while (!stop.get() && routing.get()) {
            int status;
            try {
                status = http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                status = -1;
            } catch (InterruptedException e) {
                return;
            }
            if (status != 200) {
                routing.set(false);
                return;
            }
            try {
                Thread.sleep(20); // an endpoint controller's poll period, scaled down
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void client() {
        int seq = 0;
        while (!stop.get() && routing.get()) {
            Kind kind = pick();
            HttpRequest request = kind.request().apply(seq++);
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                outcomes.add(new Outcome(kind.name(), response.statusCode(), null));
                if (response.statusCode() == 202) {
                    Matcher m = JOB_ID.matcher(response.body());
                    if (m.find()) {
                        acceptedJobs.put(m.group(1), Boolean.TRUE);
                    }
                }
            } catch (IOException e) {
                outcomes.add(new Outcome(kind.name(), -1, e.getClass().getSimpleName() + ": " + e.getMessage()));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private Kind pick() {
        int r = ThreadLocalRandom.current().nextInt(totalWeight);
        for (Kind k : mix) {
            r -= k.weight();
            if (r < 0) {
                return k;
            }
        }
        return mix.getLast();
    }

    /** True once the poller has seen readiness fail and routing stopped. */
    boolean stoppedRouting() {
        return !routing.get();
    }

    /** Stops opening requests and waits for the ones in flight. */
    @Override
    public void close() {
        stop.set(true);
        clients.close();
        http.close();
        httpExecutor.close();
    }

    List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    List<String> acceptedJobIds() {
        return List.copyOf(acceptedJobs.keySet());
    }
}
