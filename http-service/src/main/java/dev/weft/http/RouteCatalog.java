package dev.weft.http;

import dev.weft.http.support.HeadRequests;
import io.helidon.common.uri.UriFragment;
import io.helidon.common.uri.UriPath;
import io.helidon.common.uri.UriQuery;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.PathMatchers;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Remembers every route registered through it, so that the fallback route can tell "no such
 * path" (404) from "no such method on this path" (405 with {@code Allow}) — Helidon 4 answers 404
 * to both — and so that tests can compare the routes with the OpenAPI document. Works for routes
 * of mounted services too, whose paths this module does not know in advance.
 *
 * <p>Filled while the routing is built, read by request threads afterwards.
 */
final class RouteCatalog {

    /** The methods a route is probed with; anything else is never routed here. */
    private static final List<Method> METHODS = List.of(Method.GET, Method.HEAD, Method.POST, Method.PUT,
            Method.PATCH, Method.DELETE, Method.OPTIONS);

    private record Entry(String prefix, HttpRoute route) { }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    /** {@code service}, recording its routes as living under {@code prefix} (a literal path). */
    HttpService recording(String prefix, HttpService service) {
        return new HttpService() {
            @Override
            public void routing(HttpRules rules) {
                // HEAD wherever GET works, recorded too, so that Allow lists it.
                service.routing(HeadRequests.servedOn(new Recorder(rules, prefix)));
            }

            @Override
            public void beforeStart() {
                service.beforeStart();
            }

            @Override
            public void afterStart(WebServer webServer) {
                service.afterStart(webServer);
            }

            @Override
            public void afterStop() {
                service.afterStop();
            }
        };
    }

    /** The methods some recorded route accepts for {@code path}, in a stable order; empty if none. */
    Set<Method> allowed(String path) {
        Set<Method> allowed = new LinkedHashSet<>();
        for (Entry e : entries) {
            UriPath rest = relative(e.prefix(), path);
            if (rest == null) {
                continue;
            }
            for (Method m : METHODS) {
                if (e.route().accepts(prologue(m, rest)).accepted()) {
                    allowed.add(m);
                }
            }
        }
        return allowed;
    }

    /** Every recorded route as {@code "METHOD /path/{param}"}, sorted. */
    Set<String> routes() {
        Set<String> routes = new TreeSet<>();
        for (Entry e : entries) {
            String element = e.route().pathMatcher().flatMap(pm -> pm.matchingElement()).orElse("");
            String template = e.prefix() + element;
            UriPath rest = relative(e.prefix(), template);
            for (Method m : METHODS) {
                if (rest != null && e.route().accepts(prologue(m, rest)).accepted()) {
                    routes.add(m.text() + " " + template);
                }
            }
        }
        return routes;
    }

    private static UriPath relative(String prefix, String path) {
        if (prefix.isEmpty()) {
            return UriPath.create(path);
        }
        var match = PathMatchers.create(prefix).prefixMatch(UriPath.create(path));
        return match.accepted() ? match.unmatchedPath() : null;
    }

    private static HttpPrologue prologue(Method method, UriPath path) {
        return HttpPrologue.create("HTTP/1.1", "HTTP", "1.1", method, path, UriQuery.empty(), UriFragment.empty());
    }

    /** Passes every rule on to Helidon, and records the routes on the way. */
    private final class Recorder implements HttpRules {
        private final HttpRules delegate;
        private final String prefix;

        Recorder(HttpRules delegate, String prefix) {
            this.delegate = delegate;
            this.prefix = prefix;
        }

        @Override
        public HttpRules register(HttpService... services) {
            List<HttpService> wrapped = new ArrayList<>();
            for (HttpService s : services) {
                wrapped.add(recording(prefix, s));
            }
            delegate.register(wrapped.toArray(HttpService[]::new));
            return this;
        }

        @Override
        public HttpRules register(String pathPattern, HttpService... services) {
            List<HttpService> wrapped = new ArrayList<>();
            for (HttpService s : services) {
                wrapped.add(recording(prefix + pathPattern, s));
            }
            delegate.register(pathPattern, wrapped.toArray(HttpService[]::new));
            return this;
        }

        @Override
        public HttpRules route(HttpRoute route) {
            entries.add(new Entry(prefix, route));
            delegate.route(route);
            return this;
        }
    }
}
