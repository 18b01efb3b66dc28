package dev.weft.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.WritableHeaders;
import io.helidon.http.encoding.ContentDecoder;
import io.helidon.http.encoding.ContentEncoder;
import io.helidon.http.encoding.ContentEncoding;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.zip.GZIPOutputStream;

/**
 * gzip response compression ({@code http.compression.enabled}), plugged into Helidon's content
 * encoding: Helidon picks it when the request's {@code Accept-Encoding} allows gzip and compresses
 * the body with it.
 *
 * <p>Why not Helidon's own {@code helidon-http-encoding-gzip}: that artifact is not served by the
 * only registry this project builds from, and this class is the same thin wrapper over the JDK's
 * {@link GZIPOutputStream}. Encoding only: request bodies are not decompressed, because {@code
 * http.max-payload-size} bounds the bytes on the wire, and a small gzip body can inflate to any size.
 */
final class GzipEncoding implements ContentEncoding {

    @Override
    public String name() {
        return "gzip";
    }

    @Override
    public String type() {
        return "gzip";
    }

    @Override
    public Set<String> ids() {
        return Set.of("gzip", "x-gzip");
    }

    @Override
    public boolean supportsEncoding() {
        return true;
    }

    @Override
    public boolean supportsDecoding() {
        return false;
    }

    @Override
    public ContentDecoder decoder() {
        throw new UnsupportedOperationException("gzip request bodies are not accepted");
    }

    @Override
    public ContentEncoder encoder() {
        return new ContentEncoder() {
            @Override
            public OutputStream apply(OutputStream network) {
                try {
                    return new GZIPOutputStream(network);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public void headers(WritableHeaders<?> headers) {
                headers.set(HeaderNames.CONTENT_ENCODING, "gzip");
                headers.remove(HeaderNames.CONTENT_LENGTH);
                headers.add(HeaderValues.create(HeaderNames.VARY, "Accept-Encoding"));
            }
        };
    }
}
