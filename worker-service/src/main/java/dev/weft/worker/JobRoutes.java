package dev.weft.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.BadRequestException;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.HttpException;
import io.helidon.http.NotFoundException;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The job API, mounted by the launcher on the public API server at {@code /api/v1}:
 *
 * <ul>
 *   <li>{@code POST /jobs} with an {@code application/json} body {@code {"type": ..., "payload":
 *       {...}}}: 202 with {@code Location: /api/v1/jobs/{id}} and the job's JSON; 400 for
 *       malformed JSON, an unknown type or an invalid payload; 415 for another media type; 429
 *       with {@code Retry-After} when the queue (or the store, full of unfinished jobs) is full;
 *       503 with {@code Retry-After} once the worker is shutting down or while the store is
 *       unreachable. An {@code Idempotency-Key} header makes a retry safe: the same key with the
 *       same body answers 202 with the original job and {@code Location} (and {@code
 *       Idempotent-Replayed: true}), with a different body 422.</li>
 *   <li>{@code GET /jobs/{id}}: the job's JSON ({@link Job.Snapshot#toJson()}); 404 for an id
 *       that is unknown, expired, or not a canonical UUID; 503 while the store is unreachable.</li>
 * </ul>
 *
 * <p>Errors are thrown as Helidon {@link HttpException}s (or a Jackson parse error escapes),
 * which the API server's error handlers turn into RFC 9457 problems; so this module needs no
 * dependency on the http-service module.
 */
public final class JobRoutes implements HttpService {

    /** Seconds a client is asked to wait after a 429 or 503; a queue drains in about that time. */
    static final int RETRY_AFTER_SECONDS = 1;

    static final HeaderName IDEMPOTENCY_KEY = HeaderNames.create("Idempotency-Key");
    /** Set to {@code true} on the answer to a submission that an earlier one with the same key created. */
    static final HeaderName REPLAYED = HeaderNames.create("Idempotent-Replayed");
    private static final Pattern VISIBLE_ASCII = Pattern.compile("[\\x21-\\x7E]{1,255}");

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final WorkerService worker;
    private final String basePath;

    JobRoutes(WorkerService worker, String basePath) {
        this.worker = worker;
        this.basePath = basePath.endsWith("/") ? basePath.substring(0, basePath.length() - 1) : basePath;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/jobs", this::submit);
        rules.get("/jobs/{id}", this::get);
    }

    private void submit(ServerRequest req, ServerResponse res) throws Exception {
        boolean json = req.headers().contentType()
                .map(ct -> ct.mediaType().text().toLowerCase(Locale.ROOT).equals("application/json"))
                .orElse(false);
        if (!json) {
            worker.recordInvalid();
            throw new HttpException("the body must be application/json", Status.UNSUPPORTED_MEDIA_TYPE_415, true);
        }
        if (!req.content().hasEntity()) {
            worker.recordInvalid();
            throw new BadRequestException("the request needs a JSON body {\"type\": string, \"payload\": object}");
        }
        JsonNode body;
        try {
            body = JSON.readTree(req.content().as(byte[].class));
        } catch (JsonProcessingException e) {
            worker.recordInvalid();
            throw e;
        }
        if (body == null || !body.isObject() || !body.path("type").isTextual() || !body.path("payload").isObject()
                || body.size() != 2) {
            worker.recordInvalid();
            throw new BadRequestException("the body must be a JSON object {\"type\": string, \"payload\": object}"
                    + " and nothing else");
        }
        String key = idempotencyKey(req);
        // The API server's filter leaves a traced request's OpenTelemetry context in Helidon's
        // request context under OpenTelemetry's own type, for routes of modules like this one.
        io.opentelemetry.context.Context trace = req.context()
                .get(io.opentelemetry.context.Context.class, io.opentelemetry.context.Context.class).orElse(null);
        switch (worker.submit(body.get("type").asText(), body.get("payload"), key, trace)) {
            case WorkerService.Accepted a -> {
                res.status(Status.ACCEPTED_202);
                if (a.replayed()) {
                    res.header(REPLAYED, "true");
                }
                res.header(HeaderNames.LOCATION, basePath + "/jobs/" + a.job().id());
                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                res.send(JSON.writeValueAsBytes(a.job().toJson()));
            }
            case WorkerService.Rejected r -> throw switch (r.reason()) {
                case INVALID -> new BadRequestException(r.detail());
                case KEY_REUSED -> new HttpException(r.detail(), Status.UNPROCESSABLE_CONTENT_422, true);
                case QUEUE_FULL -> new HttpException(r.detail(), Status.TOO_MANY_REQUESTS_429, true)
                        .header(HeaderValues.create(HeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS));
                case SHUTTING_DOWN, UNAVAILABLE -> unavailable(r.detail());
            };
        }
    }

    /** The optional Idempotency-Key: 1-255 visible ASCII characters, else 400. */
    private String idempotencyKey(ServerRequest req) {
        Optional<String> key = req.headers().first(IDEMPOTENCY_KEY);
        if (key.isEmpty()) {
            return null;
        }
        if (!VISIBLE_ASCII.matcher(key.get()).matches()) {
            worker.recordInvalid();
            throw new BadRequestException("Idempotency-Key must be 1 to 255 visible ASCII characters");
        }
        return key.get();
    }

    private static HttpException unavailable(String detail) {
        return new HttpException(detail, Status.SERVICE_UNAVAILABLE_503, true)
                .header(HeaderValues.create(HeaderNames.RETRY_AFTER, RETRY_AFTER_SECONDS));
    }

    private void get(ServerRequest req, ServerResponse res) throws Exception {
        String raw = req.path().pathParameters().get("id");
        Optional<Job.Snapshot> job;
        try {
            job = parse(raw).flatMap(worker::job);
        } catch (StoreUnavailableException e) {
            throw unavailable("the job store is unavailable; retry later");
        }
        if (job.isEmpty()) {
            throw new NotFoundException("no job with id " + raw);
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(JSON.writeValueAsBytes(job.get().toJson()));
    }

    /** Only the canonical form: UUID.fromString also accepts oddities such as "1-2-3-4-5". */
    static Optional<UUID> parse(String raw) {
        if (raw == null || raw.length() != 36) {
            return Optional.empty();
        }
        try {
            UUID id = UUID.fromString(raw);
            return id.toString().equals(raw.toLowerCase(Locale.ROOT)) ? Optional.of(id) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
