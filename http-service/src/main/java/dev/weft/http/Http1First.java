package dev.weft.http;

import io.helidon.common.buffers.BufferData;
import io.helidon.http.http2.Http2Util;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ProtocolConfigs;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionProvider;
import io.helidon.webserver.http2.Http2Config;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;

/**
 * Picks the protocol of a new connection when HTTP/2 is on: HTTP/2 for a connection that opens
 * with the HTTP/2 preface (prior knowledge), HTTP/1 (with the h2c upgrade) for anything else.
 *
 * <p>Why not Helidon's own selectors: Helidon's HTTP/1 selector claims only request lines that end
 * in {@code HTTP/1.1}. With a single protocol Helidon hands it every connection anyway, so HTTP/1.0
 * or a garbled request line gets its 505 or 400 problem; with HTTP/2 beside it, such a connection
 * is closed without any answer (helidon-io/helidon#9715: "if multiple providers are available, we
 * cannot easily return 505"). This selector restores the answer: HTTP/1 is the fallback.
 */
final class Http1First implements ServerConnectionSelector {

    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerConnectionSelector http1;

    /** HTTP/1 configured by {@code http1}, upgradable to HTTP/2 configured by {@code http2}. */
    Http1First(String socketName, Http1Config http1, Http2Config http2) {
        this.http1 = new Http1ConnectionProvider().create(socketName, http1, ProtocolConfigs.create(List.of(http1, http2)));
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData data) {
        int n = Math.min(data.available(), Http2Util.PREFACE_LENGTH);
        byte[] start = new byte[n];
        data.read(start, 0, n);
        for (int i = 0; i < n; i++) {
            if (start[i] != PREFACE[i]) {
                return Support.SUPPORTED;
            }
        }
        // The preface so far: HTTP/2's own selector takes it once it is complete.
        return n == Http2Util.PREFACE_LENGTH ? Support.UNSUPPORTED : Support.UNKNOWN;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return http1.supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        return http1.connection(ctx);
    }
}
