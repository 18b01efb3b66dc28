package dev.weft.launcher;

import dev.weft.http.ApiServer;
import dev.weft.http.Upstream;
import io.helidon.config.Config;

import java.util.List;

/**
 * The public API's protocol and demo switches: {@code http.demo.enabled}, {@code
 * http.http2.enabled}, {@code http.compression.enabled}.
 *
 * @param demoRoutes  whether the demo upstream route is mounted
 * @param http2       whether HTTP/2 cleartext (h2c) is served beside HTTP/1.1
 * @param compression whether responses are gzip-compressed when the client accepts it
 */
record HttpSettings(boolean demoRoutes, boolean http2, boolean compression) {

    /**
     * Reads the three keys. With the demo routes off, an aggregate upstream that still points at
     * this server's demo route would fail every aggregate with 502 at run time, so it is refused
     * here, naming {@code http.aggregate.upstreams}.
     */
    static HttpSettings from(Config c, List<Upstream> upstreams) throws ConfigException {
        HttpSettings s = new HttpSettings(Settings.bool(c, "http.demo.enabled"), Settings.bool(c, "http.http2.enabled"),
                Settings.bool(c, "http.compression.enabled"));
        if (!s.demoRoutes()) {
            for (Upstream u : upstreams) {
                if (u.url().startsWith("http://" + Upstream.SELF + ApiServer.DEMO_UPSTREAM_PATH)) {
                    throw new ConfigException("http.aggregate.upstreams", "upstream " + u.name()
                            + " calls the demo route, which http.demo.enabled=false turns off; "
                            + "set real upstreams, or empty for none");
                }
            }
        }
        return s;
    }
}
