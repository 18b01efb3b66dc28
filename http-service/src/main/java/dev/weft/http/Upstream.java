package dev.weft.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One upstream an {@link UpstreamClient} calls: one of {@code GET /api/v1/aggregate}'s, or any a
 * route of yours calls.
 *
 * @param name short label used in responses and as the {@code upstream} metric tag (so: a fixed
 *             word per upstream, never per request)
 * @param url  an absolute {@code http} or {@code https} URL; the placeholder {@value #SELF} stands
 *             for this server's own {@code host:port}, resolved at request time, so that the
 *             default demo upstreams follow the port actually bound (port 0 in tests)
 */
public record Upstream(String name, String url) {

    /** Replaced by the server's own {@code host:port} at request time. */
    public static final String SELF = "{self}";

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    /** Validates the name and the URL; throws IllegalArgumentException saying what is wrong. */
    public Upstream {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("upstream name '" + name
                    + "' must be 1-64 letters, digits, '_', '.' or '-'");
        }
        URI uri;
        try {
            uri = new URI(url.replace(SELF, "127.0.0.1:1"));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("upstream " + name + ": not a URL: '" + url + "'");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("upstream " + name + ": expected an absolute http(s) URL, got '" + url + "'");
        }
    }

    /**
     * The same upstream (same name, so the same metric series) at {@code path} below its URL, e.g.
     * {@code orders.at("/orders/" + id)}. Validate what goes into {@code path}: it is not encoded.
     *
     * @throws IllegalArgumentException if the result is not a valid URL
     */
    public Upstream at(String path) {
        return new Upstream(name, url + path);
    }

    /** The URL, with {@value #SELF} replaced by what {@code selfAuthority} supplies ({@code host:port}) if it occurs. */
    URI resolve(java.util.function.Supplier<String> selfAuthority) {
        return URI.create(url.contains(SELF) ? url.replace(SELF, selfAuthority.get()) : url);
    }

    /**
     * Parses the configuration form {@code name=url,name=url,...} (URLs must not contain a literal
     * comma; write {@code %2C}). An empty or blank text is an empty list.
     *
     * @throws IllegalArgumentException naming the first bad entry, or a duplicate name
     */
    public static List<Upstream> parseList(String text) {
        List<Upstream> list = new ArrayList<>();
        Set<String> names = new HashSet<>();
        if (text == null || text.isBlank()) {
            return list;
        }
        for (String entry : text.split(",")) {
            String e = entry.trim();
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected name=url, got '" + e + "'");
            }
            Upstream u = new Upstream(e.substring(0, eq).trim(), e.substring(eq + 1).trim());
            if (!names.add(u.name())) {
                throw new IllegalArgumentException("upstream name '" + u.name() + "' appears twice");
            }
            list.add(u);
        }
        return list;
    }
}
