package dev.weft.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What was built and what runs it, as {@code weft_build_info} reports it.
 *
 * <p>{@code version} and {@code revision} are written into {@code build-info.properties} by the
 * build (Maven resource filtering: the project version, and the short commit of HEAD from the
 * git-commit-id plugin, or {@code unknown} when the build is not in a git repository).
 * {@code javaVersion} is the version of the JVM actually running the service, which for Java
 * (unlike Go's compiled-in runtime) is what matters when reading a dashboard.
 *
 * @param version     the Maven project version, e.g. {@code 0.1.0-SNAPSHOT}
 * @param revision    the short git commit the build was made from, or {@code unknown}
 * @param javaVersion the running JVM's {@code java.version}
 */
public record BuildInfo(String version, String revision, String javaVersion) {

    static final String RESOURCE = "build-info.properties";
    static final String UNKNOWN = "unknown";

    /**
     * Reads the build's properties from the classpath.
     *
     * @throws IllegalStateException if the resource is missing, which only a broken build causes
     */
    public static BuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath: the build did not produce it");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new BuildInfo(valueOf(p, "version"), valueOf(p, "revision"), System.getProperty("java.version", UNKNOWN));
    }

    /** A value Maven did not filter (an IDE build that copied resources as-is) counts as unknown. */
    private static String valueOf(Properties p, String key) {
        String v = p.getProperty(key, "").trim();
        return v.isEmpty() || v.startsWith("${") ? UNKNOWN : v;
    }
}
