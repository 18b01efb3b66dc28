package dev.weft.metrics;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Thread dumps that include virtual threads, through {@link HotSpotDiagnosticMXBean#dumpThreads}. */
final class ThreadDump {

    private ThreadDump() {
    }

    /**
     * Dumps every thread of the JVM, virtual threads included, and returns the dump's bytes
     * (UTF-8). Leaves no file behind, whether it succeeds or fails.
     *
     * @param format text (the format of {@code jcmd Thread.dump_to_file}) or JSON
     * @throws IOException if the temporary file cannot be written or read
     */
    static byte[] take(HotSpotDiagnosticMXBean.ThreadDumpFormat format) throws IOException {
        HotSpotDiagnosticMXBean bean = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        // dumpThreads refuses a file that exists, and a name in the shared temp directory could be
        // taken over between choosing and writing it; a fresh directory (owner-only on POSIX) cannot.
        Path dir = Files.createTempDirectory("weft-threads-");
        Path file = dir.resolve(format == HotSpotDiagnosticMXBean.ThreadDumpFormat.JSON ? "threads.json" : "threads.txt");
        try {
            bean.dumpThreads(file.toAbsolutePath().toString(), format);
            return Files.readAllBytes(file);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
