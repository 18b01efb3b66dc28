package dev.weft.http;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The {@value #HEADER} of every request: the client's, when it is 1-128 of {@code A-Z a-z 0-9 . _ :
 * -} (safe in a log line and a header), else a new random UUID. It is returned on the response
 * and written in every problem+json body as {@code requestId}. An unusable id is replaced, not
 * refused: the id is for correlating logs, and a proxy's odd id should not fail the request.
 *
 * <p>A new id is a version 4 UUID from {@link ThreadLocalRandom}, not {@link UUID#randomUUID()}:
 * an id correlates log lines and is no secret, and the JDK's {@code SecureRandom} behind
 * {@code randomUUID} costs about 0.3 µs, under a lock, on every request that comes without one:
 * with it, the hello route served about 5% fewer requests (docs/BENCHMARKS.md, section 7).
 */
public final class RequestIds {

    /** The request and response header. */
    public static final String HEADER = "X-Request-Id";
    static final HeaderName NAME = HeaderNames.create(HEADER);
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    /** Classifier of the id in Helidon's request context. */
    private static final Object ID = new Object();

    private RequestIds() {
    }

    /** The request's id; null only outside an {@link ApiServer}'s request. */
    public static String of(ServerRequest req) {
        return req.context().get(ID, String.class).orElse(null);
    }

    /** Takes or makes the request's id, registers it for {@link #of}, and sets it on the response. */
    static String assign(ServerRequest req, ServerResponse res) {
        String id = req.headers().first(NAME).filter(v -> SAFE.matcher(v).matches()).orElseGet(RequestIds::newId);
        req.context().register(ID, id);
        res.header(NAME, id);
        return id;
    }

    /** A random version 4 (variant 2) UUID: 122 random bits. */
    static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long high = (random.nextLong() & ~0xF000L) | 0x4000L;
        long low = (random.nextLong() & ~(0xC000_0000_0000_0000L)) | 0x8000_0000_0000_0000L;
        return new UUID(high, low).toString();
    }
}
