package dev.weft.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpException;
import io.helidon.http.Method;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectHandlers;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.Set;
import java.util.stream.Collectors;

/**
 * Makes every error answer of the public API an RFC 9457 problem, whoever raises it: our routes,
 * mounted routes (by throwing Helidon's {@link HttpException} or a Jackson {@link
 * JsonProcessingException}), unmatched routes (404, or 405 with {@code Allow}: Helidon itself
 * answers 404 to both), and Helidon's own transport-level refusals (413 body too large, malformed
 * requests), which bypass routing and go through {@link DirectHandlers}. Never a stack trace: 5xx
 * details are generic and the exception is logged instead.
 */
final class ErrorResponses {

    private static final System.Logger LOG = System.getLogger(ErrorResponses.class.getName());

    private ErrorResponses() {
    }

    /** Installs the error handlers and, last, the fallback route. Call after every other route. */
    static void install(HttpRouting.Builder routing, RouteCatalog catalog) {
        routing.any((req, res) -> fallback(catalog, req, res));
        routing.error(HttpException.class, ErrorResponses::httpException);
        routing.error(JsonProcessingException.class, (req, res, e) -> Problem.of("malformed-json", "Malformed JSON",
                Status.BAD_REQUEST_400, "the request body is not valid JSON").send(req, res));
        routing.error(Exception.class, (req, res, e) -> {
            LOG.log(System.Logger.Level.ERROR, "unhandled error on " + req.prologue().method().text() + " "
                    + req.path().absolute().rawPath(), e);
            Problem.forStatus(Status.INTERNAL_SERVER_ERROR_500, "the server could not complete the request").send(req, res);
        });
    }

    private static void fallback(RouteCatalog catalog, ServerRequest req, ServerResponse res) {
        String path = req.path().absolute().rawPath();
        String method = req.prologue().method().text();
        Set<Method> allowed = catalog.allowed(path);
        if (allowed.isEmpty()) {
            req.context().register(RequestFilter.ROUTE, RequestFilter.NOT_FOUND);
            Problem.of("route-not-found", "Not found", Status.NOT_FOUND_404, "no route for " + method + " " + path).send(req, res);
            return;
        }
        req.context().register(RequestFilter.ROUTE, "METHOD_NOT_ALLOWED");
        String allow = allowed.stream().map(Method::text).collect(Collectors.joining(", "));
        res.header(HeaderNames.ALLOW, allow);
        Problem.forStatus(Status.METHOD_NOT_ALLOWED_405, method + " is not supported on " + path + "; allowed: " + allow)
                .send(req, res);
    }

    private static void httpException(ServerRequest req, ServerResponse res, HttpException e) {
        Status status = e.status();
        String detail;
        if (status.code() >= 500) {
            LOG.log(System.Logger.Level.ERROR, "error on " + req.prologue().method().text() + " " + req.path().absolute().rawPath(), e);
            detail = "the server could not complete the request";
        } else {
            // A 4xx message is written for the client by whoever threw it.
            detail = e.getMessage() == null ? status.reasonPhrase() : e.getMessage();
        }
        e.headers().forEach(res::header);
        Problem.forStatus(status, detail).send(req, res);
    }

    /**
     * Problem+json for what Helidon refuses before (or outside) routing.
     *
     * <p>One correction to Helidon's own statuses: an unexpected failure while Helidon parses the
     * request (an {@code INTERNAL_ERROR} before routing, e.g. control bytes in the request line) is
     * input the client got wrong, so it is a 400, not a 500. It is still logged, so that a genuine
     * server fault stays visible to operators. (Headers over the size limit stay a 400: Helidon
     * does not tell a direct handler why it refused, so a 431 cannot be told apart.)
     */
    static DirectHandlers directHandlers(long maxPayloadSize) {
        DirectHandler handler = (request, eventType, status, headers, message) ->
                direct(request, eventType, status, headers, message, maxPayloadSize);
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType t : DirectHandler.EventType.values()) {
            builder.addHandler(t, handler);
        }
        return builder.build();
    }

    private static DirectHandler.TransportResponse direct(DirectHandler.TransportRequest request,
                                                         DirectHandler.EventType eventType, Status helidonStatus,
                                                         ServerResponseHeaders headers, String message,
                                                         long maxPayloadSize) {
        Status status = helidonStatus;
        if (eventType == DirectHandler.EventType.INTERNAL_ERROR || eventType == DirectHandler.EventType.OTHER) {
            LOG.log(System.Logger.Level.WARNING, "request refused while parsing (answered 400): " + message);
            status = Status.BAD_REQUEST_400;
        }
        String detail = switch (status.code()) {
            case 413 -> "the request body is larger than " + maxPayloadSize + " bytes";
            case 400 -> "the request is malformed";
            default -> status.code() >= 500 ? "the server could not complete the request" : status.reasonPhrase();
        };
        String path = request.path();
        int q = path == null ? -1 : path.indexOf('?');
        String instance = path == null || path.isEmpty() ? "/" : q >= 0 ? path.substring(0, q) : path;
        headers.set(HeaderNames.CONTENT_TYPE, Problem.MEDIA_TYPE);
        return DirectHandler.TransportResponse.builder()
                .status(status)
                .headers(headers)
                .entity(Problem.forStatus(status, detail).toJson(instance))
                .build();
    }
}
