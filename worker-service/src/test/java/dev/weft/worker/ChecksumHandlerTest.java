package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.weft.patterns.CancelContext;
import dev.weft.patterns.Context;
import dev.weft.patterns.ContextDoneException;
import dev.weft.patterns.testing.NoLeakedThreads;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@ExtendWith(NoLeakedThreads.class)
class ChecksumHandlerTest {

    private static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    /** The documented root scheme, computed independently: SHA-256 over the chunk digests in order. */
    private static byte[] expectedRoot(byte[] data, int chunkSize) throws Exception {
        MessageDigest root = MessageDigest.getInstance("SHA-256");
        for (int from = 0; from < data.length; from += chunkSize) {
            root.update(sha256(Arrays.copyOfRange(data, from, Math.min(data.length, from + chunkSize))));
        }
        return root.digest();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static void check(byte[] data, int chunkSize) throws Exception {
        ChecksumHandler.Digest d = ChecksumHandler.checksum(Context.background(), data, chunkSize, 4);
        int chunks = (data.length + chunkSize - 1) / chunkSize;
        assertEquals(chunks, d.chunks().size(), "chunks of " + data.length + " by " + chunkSize);
        for (int i = 0; i < chunks; i++) {
            byte[] slice = Arrays.copyOfRange(data, i * chunkSize, Math.min(data.length, (i + 1) * chunkSize));
            assertArrayEquals(sha256(slice), d.chunks().get(i), "chunk " + i);
        }
        assertArrayEquals(expectedRoot(data, chunkSize), d.root());
    }

    @Test
    void chunkDigestsAndRootMatchMessageDigestAtAndAroundChunkBoundaries() throws Exception {
        for (int size : new int[] {1, 7, 8, 9, 63, 64, 65, 1000, 4096, 4097}) {
            check(random(size), 8);
            check(random(size), 64);
        }
    }

    @Test
    void wholeInputInOneChunkHasTheInputsOwnDigestAsItsChunk() throws Exception {
        byte[] data = random(100);
        ChecksumHandler.Digest d = ChecksumHandler.checksum(Context.background(), data, 100, 4);
        assertEquals(1, d.chunks().size());
        assertArrayEquals(sha256(data), d.chunks().get(0));
        assertArrayEquals(sha256(sha256(data)), d.root());
    }

    @Test
    void emptyInputHasNoChunksAndTheRootIsTheDigestOfNothing() throws Exception {
        ChecksumHandler.Digest d = ChecksumHandler.checksum(Context.background(), new byte[0], 16, 4);
        assertEquals(0, d.chunks().size());
        assertArrayEquals(sha256(new byte[0]), d.root());
    }

    @Test
    void oneByteIsOneChunk() throws Exception {
        byte[] one = {42};
        ChecksumHandler.Digest d = ChecksumHandler.checksum(Context.background(), one, 16, 4);
        assertEquals(1, d.chunks().size());
        assertArrayEquals(sha256(one), d.chunks().get(0));
        assertArrayEquals(sha256(sha256(one)), d.root());
    }

    @Test
    void runAcceptsTextOrBase64DataAndReportsTheRootInHex() throws Exception {
        ChecksumHandler h = new ChecksumHandler(3);
        byte[] data = "hello, fan-out and fan-in".getBytes(StandardCharsets.UTF_8);
        ObjectNode text = JsonNodeFactory.instance.objectNode().put("text", "hello, fan-out and fan-in").put("chunkSize", 5);
        ObjectNode b64 = JsonNodeFactory.instance.objectNode().put("data", Base64.getEncoder().encodeToString(data)).put("chunkSize", 5);
        h.validate(text);
        h.validate(b64);
        JsonNode r1 = h.run(Context.background(), text);
        JsonNode r2 = h.run(Context.background(), b64);
        assertEquals(r1, r2);
        assertEquals(HexFormat.of().formatHex(expectedRoot(data, 5)), r1.get("root").asText());
        assertEquals(data.length, r1.get("bytes").asInt());
        assertEquals(5, r1.get("chunks").asInt());
        assertEquals("sha256-chunked", r1.get("algorithm").asText());
    }

    @Test
    void invalidPayloadsAreRejectedAtValidation() {
        ChecksumHandler h = new ChecksumHandler();
        JsonNodeFactory f = JsonNodeFactory.instance;
        for (ObjectNode bad : new ObjectNode[] {
                f.objectNode(),
                f.objectNode().put("text", "a").put("data", "YQ=="),
                f.objectNode().put("text", 5),
                f.objectNode().put("data", "not base64!"),
                f.objectNode().put("text", "a").put("chunkSize", 0),
                f.objectNode().put("text", "a").put("chunkSize", 1.5),
                f.objectNode().put("text", "a").put("chunkSize", "8"),
                f.objectNode().put("text", "x".repeat(ChecksumHandler.MAX_CHUNKS + 1)).put("chunkSize", 1)}) {
            assertThrows(JobHandler.InvalidPayloadException.class, () -> h.validate(bad), bad.toString());
        }
    }

    @Test
    void cancelledContextStopsTheFanOutAndLeavesNoStageBehind() {
        CancelContext ctx = Context.withCancel(Context.background());
        ctx.cancel();
        assertThrows(ContextDoneException.class, () -> ChecksumHandler.checksum(ctx, random(10_000), 1, 4));
    }
}
