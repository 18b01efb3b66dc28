package dev.weft.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.weft.http.support.HeadRequests;
import io.helidon.http.DirectHandler;
import io.helidon.common.buffers.DataReader;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
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
 *
 * <p>Whose fault it is decides the status class, not the exception type that carried it: a
 * request body that cannot be read (a malformed chunk, a client that closed mid-body) is the
 * client's, a 400 logged at DEBUG, wherever in a handler it surfaced; every other failure inside
 * the server is a 5xx logged at ERROR.
 */
final class ErrorResponses {

    private static final System.Logger LOG = System.getLogger(ErrorResponses.class.getName());
    /** Where Helidon 4.5 reads an HTTP/1 request body off the connection (see isRequestBodyFailure). */
    private static final String HTTP1_CONNECTION = "io.helidon.webserver.http1.Http1Connection";
    private static final Set<String> BODY_READERS = Set.of("readEntityFromPipeline", "readNextChunk", "readLengthEntity");

    private ErrorResponses() {
    }

    /** Installs the error handlers and, last, the fallback route. Call after every other route. */
    static void install(HttpRouting.Builder routing, RouteCatalog catalog) {
        HeadRequests.servedOn(routing).any((req, res) -> fallback(catalog, req, res));
        routing.error(HttpException.class, ErrorResponses::httpException);
        routing.error(JsonProcessingException.class, (req, res, e) -> Problem.of("malformed-json", "Malformed JSON",
                Status.BAD_REQUEST_400, "the request body is not valid JSON").send(req, res));
        routing.error(Exception.class, (req, res, e) -> {
            String what = req.prologue().method().text() + " " + req.path().absolute().rawPath();
            if (isRequestBodyFailure(e)) {
                LOG.log(System.Logger.Level.DEBUG, () -> "unreadable request body on " + what + ": " + e);
                // The rest of the body cannot be framed, so nothing after it can be read as a
                // request: the header tells the client, and RequestFilter closes the connection.
                res.header(HeaderValues.CONNECTION_CLOSE);
                req.context().register(RequestFilter.CLOSE_CONNECTION, Boolean.TRUE);
                Problem.of("malformed-body", "Malformed request body", Status.BAD_REQUEST_400,
                        "the request body is malformed or ended early").send(req, res);
                return;
            }
            LOG.log(System.Logger.Level.ERROR, "unhandled error on " + what, e);
            Problem.forStatus(Status.INTERNAL_SERVER_ERROR_500, "the server could not complete the request").send(req, res);
        });
    }

    /**
     * Whether {@code e} (or a cause) was raised while Helidon read the request body off the
     * connection: then the bytes the client sent are at fault, not the handler that asked for
     * them. Helidon 4.5 raises such failures as plain runtime exceptions (a {@code
     * NumberFormatException} for a chunk size that is not hex, a {@code DataReader}
     * "insufficient data" when the client closes early), so the test is where they were thrown.
     */
    static boolean isRequestBodyFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof DataReader.InsufficientDataAvailableException) {
                return true;
            }
            for (StackTraceElement frame : t.getStackTrace()) {
                if (frame.getClassName().equals(HTTP1_CONNECTION) && BODY_READERS.contains(frame.getMethodName())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void fallback(RouteCatalog catalog, ServerRequest req, ServerResponse res) {
        String path = req.path().absolute().rawPath();
        String method = req.prologue().method().text();
        Set<Method> allowed = catalog.allowed(path);
        if (allowed.isEmpty()) {
            req.context().register(RequestFilter.ROUTE, RequestMetrics.NOT_FOUND);
            Problem.of("route-not-found", "Not found", Status.NOT_FOUND_404, "no route for " + path).send(req, res);
            return;
        }
        req.context().register(RequestFilter.ROUTE, RequestMetrics.METHOD_NOT_ALLOWED);
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
     * Problem+json for what Helidon refuses before (or outside) routing, each counted in {@code
     * metrics} with {@code uri="UNKNOWN"}.
     *
     * <p>Helidon's statuses stand, with one correction: when Helidon's HTTP/1 parser fails on the
     * request head in an unexpected way (control bytes, a header line without a colon), it reports
     * an {@code INTERNAL_ERROR} with no request at all. The only input there was the client's
     * bytes, so that is a 400. An {@code INTERNAL_ERROR} for a request Helidon did parse is a
     * server fault and stays a 500, logged at ERROR: a route that sends a body with 204, say.
     */
    static DirectHandlers directHandlers(long maxPayloadSize, RequestMetrics metrics) {
        DirectHandler handler = (request, eventType, status, headers, message) ->
                direct(request, eventType, status, headers, message, maxPayloadSize, metrics);
        DirectHandlers.Builder builder = DirectHandlers.builder();
        for (DirectHandler.EventType t : DirectHandler.EventType.values()) {
            builder.addHandler(t, handler);
        }
        return builder.build();
    }

    private static DirectHandler.TransportResponse direct(DirectHandler.TransportRequest request,
                                                         DirectHandler.EventType eventType, Status helidonStatus,
                                                         ServerResponseHeaders headers, String message,
                                                         long maxPayloadSize, RequestMetrics metrics) {
        String method = request.method() == null ? "" : request.method();
        Status status = helidonStatus;
        if (eventType == DirectHandler.EventType.INTERNAL_ERROR && method.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, () -> "request head refused while parsing (answered 400): " + message);
            status = Status.BAD_REQUEST_400;
        } else if (status.code() >= 500 && status.code() != 501 && status.code() != 505) {
            LOG.log(System.Logger.Level.ERROR, "server error before or outside routing on " + method + " "
                    + request.path() + ": " + message);
        }
        String detail = switch (status.code()) {
            case 413 -> "the request body is larger than " + maxPayloadSize + " bytes";
            case 400 -> "the request is malformed";
            case 501 -> "the request uses a transfer coding this server does not implement; use chunked alone";
            case 505 -> request.protocolVersion() + " is not supported; use HTTP/1.1 or HTTP/2";
            default -> status.code() >= 500 ? "the server could not complete the request" : status.reasonPhrase();
        };
        String path = request.path();
        int q = path == null ? -1 : path.indexOf('?');
        String instance = path == null || path.isEmpty() ? "/" : q >= 0 ? path.substring(0, q) : path;
        headers.set(HeaderNames.CONTENT_TYPE, Problem.MEDIA_TYPE);
        metrics.recordRefused(method, status.code());
        var response = DirectHandler.TransportResponse.builder().status(status).headers(headers);
        if (!method.equals(Method.HEAD.text())) {
            response.entity(Problem.forStatus(status, detail).toJson(instance));
        }
        return response.build();
    }
}
