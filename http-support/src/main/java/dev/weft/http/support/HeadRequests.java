package dev.weft.http.support;

import io.helidon.common.uri.UriQuery;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.ServerResponseTrailers;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerResponse;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * HEAD wherever GET works (RFC 9110 §9.3.2), for every route at once: Helidon 4 routes HEAD only
 * to routes registered for HEAD. {@link #servedOn(HttpRules)} wraps a routing so that each route
 * registered through it also accepts HEAD where it accepts GET, and answers every HEAD (also on a
 * route that accepts HEAD itself, such as a catch-all) through a response that keeps the status
 * and headers, with the {@code Content-Length} the body would have had, and drops the body.
 *
 * <p>The handler runs in full, as for GET (Go's net/http does the same): a HEAD costs what a GET
 * costs, and a GET route must have no side effects a HEAD could not have either.
 */
public final class HeadRequests {

    private HeadRequests() {
    }

    /** {@code rules}, where every route registered through the result serves HEAD as above. */
    public static HttpRules servedOn(HttpRules rules) {
        return rules instanceof Rules ? rules : new Rules(rules);
    }

    private record Rules(HttpRules delegate) implements HttpRules {
        @Override
        public HttpRules register(HttpService... services) {
            delegate.register(wrap(services));
            return this;
        }

        @Override
        public HttpRules register(String pathPattern, HttpService... services) {
            delegate.register(pathPattern, wrap(services));
            return this;
        }

        @Override
        public HttpRules route(HttpRoute route) {
            delegate.route(new HeadAware(route));
            return this;
        }

        private static HttpService[] wrap(HttpService... services) {
            HttpService[] wrapped = new HttpService[services.length];
            for (int i = 0; i < services.length; i++) {
                HttpService s = services[i];
                wrapped[i] = new HttpService() {
                    @Override
                    public void routing(HttpRules rules) {
                        s.routing(servedOn(rules));
                    }

                    @Override
                    public void beforeStart() {
                        s.beforeStart();
                    }

                    @Override
                    public void afterStart(io.helidon.webserver.WebServer webServer) {
                        s.afterStart(webServer);
                    }

                    @Override
                    public void afterStop() {
                        s.afterStop();
                    }
                };
            }
            return wrapped;
        }
    }

    /** {@code route}, also accepting HEAD where it accepts GET, and answering HEAD without a body. */
    private record HeadAware(HttpRoute route) implements HttpRoute {
        @Override
        public PathMatchers.MatchResult accepts(HttpPrologue prologue) {
            PathMatchers.MatchResult own = route.accepts(prologue);
            if (own.accepted() || prologue.method() != Method.HEAD) {
                return own;
            }
            return route.accepts(HttpPrologue.create(prologue.rawProtocol(), prologue.protocol(), prologue.protocolVersion(),
                    Method.GET, prologue.uriPath(), prologue.query(), prologue.fragment()));
        }

        @Override
        public Handler handler() {
            Handler handler = route.handler();
            return (req, res) -> handler.handle(req, req.prologue().method() == Method.HEAD ? new BodilessResponse(res) : res);
        }

        @Override
        public Optional<PathMatcher> pathMatcher() {
            return route.pathMatcher();
        }

        @Override
        public void beforeStart() {
            route.beforeStart();
        }

        @Override
        public void afterStart(io.helidon.webserver.WebServer webServer) {
            route.afterStart(webServer);
        }

        @Override
        public void afterStop() {
            route.afterStop();
        }
    }

    /** Passes status and headers on, turns a body into its Content-Length, and sends none. */
    private static final class BodilessResponse implements ServerResponse {
        private final ServerResponse delegate;

        BodilessResponse(ServerResponse delegate) {
            this.delegate = delegate;
        }

        @Override
        public void send(byte[] bytes) {
            send(bytes, 0, bytes.length);
        }

        @Override
        public void send(byte[] bytes, int position, int length) {
            sendLength(length);
        }

        @Override
        public void send(Object entity) {
            switch (entity) {
                case byte[] bytes -> send(bytes);
                case String text -> send(text.getBytes(StandardCharsets.UTF_8));
                // Without marshalling it, the length is unknown: RFC 9110 lets HEAD omit it.
                default -> delegate.send();
            }
        }

        @Override
        public void send() {
            delegate.send();
        }

        private void sendLength(long length) {
            if (length > 0 && !delegate.headers().contains(HeaderNames.CONTENT_LENGTH)) {
                delegate.headers().contentLength(length);
            }
            delegate.send();
        }

        @Override
        public OutputStream outputStream() {
            return new ByteArrayOutputStream() {
                private boolean closed;

                @Override
                public void close() {
                    if (!closed) {
                        closed = true;
                        sendLength(size());
                    }
                }
            };
        }

        @Override
        public ServerResponse status(Status status) {
            delegate.status(status);
            return this;
        }

        @Override
        public Status status() {
            return delegate.status();
        }

        @Override
        public ServerResponse header(Header header) {
            delegate.header(header);
            return this;
        }

        @Override
        public boolean isSent() {
            return delegate.isSent();
        }

        @Override
        public long bytesWritten() {
            return delegate.bytesWritten();
        }

        @Override
        public ServerResponse whenSent(Runnable listener) {
            delegate.whenSent(listener);
            return this;
        }

        @Override
        public ServerResponse reroute(String newPath) {
            delegate.reroute(newPath);
            return this;
        }

        @Override
        public ServerResponse reroute(String path, UriQuery query) {
            delegate.reroute(path, query);
            return this;
        }

        @Override
        public ServerResponse next() {
            delegate.next();
            return this;
        }

        @Override
        public ServerResponseHeaders headers() {
            return delegate.headers();
        }

        @Override
        public ServerResponseTrailers trailers() {
            return delegate.trailers();
        }

        @Override
        public void streamResult(String result) {
            delegate.streamResult(result);
        }

        @Override
        public void streamFilter(UnaryOperator<OutputStream> filterFunction) {
            delegate.streamFilter(filterFunction);
        }
    }
}
