package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Context;
import dev.weft.patterns.Pipelines;
import dev.weft.patterns.ReceiveChannel;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The {@code checksum} demo job: fan-out/fan-in on CPU work.
 *
 * <p>Payload: {@code text} (hashed as UTF-8) or {@code data} (base64), exactly one, and
 * optionally {@code chunkSize} (bytes, 1 to {@value #MAX_CHUNK_SIZE}, default {@value
 * #DEFAULT_CHUNK_SIZE}); at most {@value #MAX_CHUNKS} chunks.
 *
 * <p>The input is split into consecutive chunks of {@code chunkSize} bytes (the last one may be
 * shorter); the chunk indices flow through {@link Pipelines#generate}, {@link Pipelines#fanOut} to
 * one stage per available processor that computes each chunk's SHA-256, and {@link
 * Pipelines#merge} back into one stream, which arrives in any order and is put back in chunk order.
 *
 * <p><b>Root scheme</b> (stable; clients may recompute it): {@code root = SHA-256(d_0 || d_1 ||
 * ... || d_(n-1))} where {@code d_i = SHA-256(chunk i)} (32 raw bytes each) and {@code ||} is
 * concatenation in chunk order. Empty input has no chunks, so its root is SHA-256 of the empty
 * string. Result: {@code {"algorithm": "sha256-chunked", "bytes", "chunkSize", "chunks", "root"}},
 * the root in lower-case hex.
 */
public final class ChecksumHandler implements JobHandler {

    static final int DEFAULT_CHUNK_SIZE = 65_536;
    static final int MAX_CHUNK_SIZE = 16 * 1024 * 1024;
    static final int MAX_CHUNKS = 65_536;

    private final int parallelism;

    /** Fans out to one stage per available processor. */
    public ChecksumHandler() {
        this(Runtime.getRuntime().availableProcessors());
    }

    ChecksumHandler(int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1: " + parallelism);
        }
        this.parallelism = parallelism;
    }

    @Override
    public String type() {
        return "checksum";
    }

    @Override
    public void validate(JsonNode payload) throws InvalidPayloadException {
        JobHandler.requireKnownFields(payload, java.util.Set.of("text", "data", "chunkSize"));
        Input in = parse(payload);
        if (chunkCount(in.bytes().length, in.chunkSize()) > MAX_CHUNKS) {
            throw new InvalidPayloadException("more than " + MAX_CHUNKS + " chunks; use a larger chunkSize");
        }
    }

    @Override
    public JsonNode run(Context ctx, JsonNode payload) throws Exception {
        Input in = parse(payload);
        Digest d = checksum(ctx, in.bytes(), in.chunkSize(), parallelism);
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("algorithm", "sha256-chunked");
        out.put("bytes", in.bytes().length);
        out.put("chunkSize", in.chunkSize());
        out.put("chunks", d.chunks().size());
        out.put("root", HexFormat.of().formatHex(d.root()));
        return out;
    }

    /**
     * The chunk digests, in chunk order, and the root over them.
     *
     * @param chunks the SHA-256 of each chunk, in chunk order
     * @param root the SHA-256 over the concatenated chunk digests
     */
    public record Digest(List<byte[]> chunks, byte[] root) { }

    /**
     * Computes the chunk digests concurrently on {@code parallelism} pipeline stages and the root
     * as documented on the class. Public so that the benchmarks can choose the fan-out; the job
     * itself goes through {@link #run}.
     *
     * @param ctx stops the stages when done
     * @param data the input
     * @param chunkSize bytes per chunk, at least 1
     * @param parallelism the number of hashing stages (fan-out), at least 1
     * @return the chunk digests and the root
     * @throws InterruptedException if interrupted while waiting for the stages
     * @throws dev.weft.patterns.ContextDoneException if {@code ctx} is done before every chunk is hashed
     */
    public static Digest checksum(Context ctx, byte[] data, int chunkSize, int parallelism) throws InterruptedException {
        int n = chunkCount(data.length, chunkSize);
        byte[][] digests = new byte[n][];
        // A child context, cancelled on the way out whatever happens: that is what stops every
        // stage if we leave early (Go's defer cancel()).
        CancelContext scope = Context.withCancel(ctx);
        try {
            ReceiveChannel<Integer> indices = Pipelines.generate(scope, IntStream.range(0, n).boxed().toList());
            List<ReceiveChannel<Hashed>> hashed = Pipelines.fanOut(scope, indices, Math.max(1, Math.min(parallelism, n)), i -> {
                int from = i * chunkSize;
                int to = Math.min(data.length, from + chunkSize);
                MessageDigest md = sha256();
                md.update(data, from, to - from);
                return new Hashed(i, md.digest());
            });
            for (Hashed h : Pipelines.merge(scope, hashed)) {
                digests[h.index()] = h.digest();
            }
            for (byte[] d : digests) {
                if (d == null) {
                    // The merged stream also ends early when ctx is cancelled.
                    ctx.throwIfDone();
                    throw new IllegalStateException("a chunk was not hashed");
                }
            }
        } finally {
            scope.cancel();
        }
        MessageDigest root = sha256();
        for (byte[] d : digests) {
            root.update(d);
        }
        return new Digest(List.of(digests), root.digest());
    }

    private record Hashed(int index, byte[] digest) { }

    private record Input(byte[] bytes, int chunkSize) { }

    private static Input parse(JsonNode payload) throws InvalidPayloadException {
        JsonNode text = payload.get("text");
        JsonNode data = payload.get("data");
        if ((text == null) == (data == null)) {
            throw new InvalidPayloadException("give exactly one of 'text' (a string) or 'data' (base64)");
        }
        byte[] bytes;
        if (text != null) {
            if (!text.isTextual()) {
                throw new InvalidPayloadException("'text' must be a string");
            }
            bytes = text.asText().getBytes(StandardCharsets.UTF_8);
        } else {
            if (!data.isTextual()) {
                throw new InvalidPayloadException("'data' must be a base64 string");
            }
            try {
                bytes = Base64.getDecoder().decode(data.asText());
            } catch (IllegalArgumentException e) {
                throw new InvalidPayloadException("'data' is not valid base64");
            }
        }
        int chunkSize = DEFAULT_CHUNK_SIZE;
        JsonNode cs = payload.get("chunkSize");
        if (cs != null) {
            if (!cs.isIntegralNumber() || !cs.canConvertToInt() || cs.asInt() < 1 || cs.asInt() > MAX_CHUNK_SIZE) {
                throw new InvalidPayloadException("'chunkSize' must be an integer from 1 to " + MAX_CHUNK_SIZE);
            }
            chunkSize = cs.asInt();
        }
        return new Input(bytes, chunkSize);
    }

    private static int chunkCount(int length, int chunkSize) {
        return (int) ((length + (long) chunkSize - 1) / chunkSize);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256.
            throw new IllegalStateException(e);
        }
    }
}
