package dev.weft.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for requests no well-behaved client would send: broken request
 * lines, invalid UTF-8, oversized headers, bodies dribbled one byte at a time. Reads one response
 * (by Content-Length, chunked, or until the server closes).
 */
final class RawHttp {

    /** A parsed response. {@code status} is -1 when the server closed without answering. */
    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private RawHttp() {
    }

    /**
     * Sends {@code request} and reads the answer.
     *
     * @param bytePause when positive, each byte is written separately with this pause between
     *                  (a slow client)
     */
    static Response exchange(int port, byte[] request, Duration bytePause, Duration readTimeout) throws IOException {
        return exchange(port, request, bytePause, readTimeout, false);
    }

    /**
     * As {@link #exchange(int, byte[], Duration, Duration)}; {@code halfClose} then shuts the
     * socket's output, as a client that gives up mid-request does, and still reads the answer.
     */
    static Response exchange(int port, byte[] request, Duration bytePause, Duration readTimeout, boolean halfClose)
            throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout((int) readTimeout.toMillis());
            OutputStream out = socket.getOutputStream();
            try {
                if (bytePause.isPositive()) {
                    for (byte b : request) {
                        out.write(b);
                        out.flush();
                        Thread.sleep(bytePause);
                    }
                } else {
                    out.write(request);
                    out.flush();
                }
            } catch (IOException e) {
                // The server may answer (e.g. 413, 431) and close before reading everything; the
                // answer is still in our receive buffer.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            if (halfClose) {
                socket.shutdownOutput();
            }
            return read(socket.getInputStream());
        }
    }

    /** The final response: interim 1xx answers (100 Continue) are skipped. */
    private static Response read(InputStream in) throws IOException {
        Response r;
        do {
            r = readOne(in);
        } while (r.status() >= 100 && r.status() < 200);
        return r;
    }

    private static Response readOne(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0; // the last four bytes read, to spot the blank line that ends the head
        try {
            int b;
            while (last4 != 0x0D0A0D0A && (b = in.read()) >= 0) {
                head.write(b);
                last4 = (last4 << 8) | b;
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // fall through with what we have
        }
        String headText = head.toString(StandardCharsets.ISO_8859_1);
        if (!headText.startsWith("HTTP/1.")) {
            return new Response(-1, Map.of(), headText);
        }
        String[] lines = headText.split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (status < 200) {
            return new Response(status, headers, "");
        }
        try {
            String length = headers.get("content-length");
            if (length != null) {
                byte[] buf = in.readNBytes(Integer.parseInt(length));
                body.write(buf);
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                readChunked(in, body);
            } else {
                in.transferTo(body);
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // keep what arrived
        }
        return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
    }

    private static void readChunked(InputStream in, ByteArrayOutputStream body) throws IOException {
        while (true) {
            String sizeLine = readLine(in);
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                readLine(in);
                return;
            }
            body.write(in.readNBytes(size));
            readLine(in);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }
}
