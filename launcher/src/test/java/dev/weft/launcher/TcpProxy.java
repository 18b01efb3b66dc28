package dev.weft.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on 127.0.0.1 that a test can cut: {@link #cut()} closes every connection and closes
 * each new one on accept (clients see resets and connections closed before any answer, as when a
 * database goes away); {@link #restore()} proxies again. Stands between launchers and PostgreSQL in
 * the outage drill, so that it needs no control over the server itself and harms no other test.
 */
final class TcpProxy implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ServerSocket listener;
    /** While true, connections are closed as soon as they are accepted, and none is proxied. */
    private volatile boolean cut;

    TcpProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        listener = listen(0);
        this.port = listener.getLocalPort();
        accept(listener);
    }

    int port() {
        return port;
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return s;
    }

    private void accept(ServerSocket s) {
        Thread.ofVirtual().start(() -> {
            while (!s.isClosed()) {
                try {
                    Socket client = s.accept();
                    if (cut) {
                        close(client);
                        continue;
                    }
                    Socket server = new Socket(targetHost, targetPort);
                    open.add(client);
                    open.add(server);
                    if (cut) {
                        // cut() ran between the check above and the adds: it did not see this pair.
                        close(client);
                        close(server);
                        continue;
                    }
                    pump(client, server);
                    pump(server, client);
                } catch (IOException e) {
                    // Closed by cut(), or the target refused: the client's socket closes with it.
                }
            }
        });
    }

    private void pump(Socket from, Socket to) {
        Thread.ofVirtual().start(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // Either side closed.
            } finally {
                close(from);
                close(to);
            }
        });
    }

    private void close(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException ignored) {
            // Already closed.
        }
    }

    /**
     * Closes every connection, and every new one as soon as it is accepted. The port stays bound,
     * so {@link #restore()} cannot lose it to another socket while the proxy is cut.
     */
    void cut() {
        cut = true;
        for (Socket s : Set.copyOf(open)) {
            close(s);
        }
    }

    /** Proxies new connections again. */
    void restore() {
        cut = false;
    }

    @Override
    public void close() throws IOException {
        cut();
        listener.close();
    }
}
