package dev.weft.launcher;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HelpTest {

    private static List<String> help() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Help.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return Arrays.asList(bytes.toString(StandardCharsets.UTF_8).split("\n"));
    }

    /** Each key's row: its meaning starts in one column, whatever the length of its default. */
    @Test
    void everyKeysMeaningStartsInTheSameColumn() {
        List<String> lines = help();
        String header = lines.stream().filter(l -> l.trim().startsWith("key ")).findFirst().orElseThrow();
        int meaning = header.indexOf("meaning");
        for (Setting<?> s : Catalogue.KEYS) {
            String row = lines.stream().filter(l -> l.startsWith("  " + s.key() + " ")).findFirst().orElseThrow();
            assertTrue(row.substring(0, meaning).endsWith(" "), "column overflow in: " + row);
            assertEquals(s.description(), row.substring(meaning), row);
            assertTrue(row.contains(" " + s.environmentVariable() + " "), row);
        }
    }

    /** A default too long for its column is printed in full on the line below its row. */
    @Test
    void longDefaultsArePrintedWholeBelowTheirRow() {
        List<String> lines = help();
        for (String key : List.of("worker.fetch.allowed-hosts", "http.aggregate.upstreams")) {
            String value = Settings.defaults().get(key).asString().get();
            assertTrue(value.length() > Help.DEFAULT_WIDTH, key + " is no longer a long default: pick another for this test");
            int row = indexOfRow(lines, key);
            assertEquals("default: " + value, lines.get(row + 1).trim(), key);
        }
        assertTrue(lines.stream().anyMatch(l -> l.contains("Only variables starting " + ServiceName.ENV_PREFIX)), "help names the prefix");
    }

    private static int indexOfRow(List<String> lines, String key) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("  " + key + " ")) {
                return i;
            }
        }
        throw new AssertionError("no row for " + key);
    }
}
