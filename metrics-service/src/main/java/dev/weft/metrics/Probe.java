package dev.weft.metrics;

/** The three Kubernetes probes, each with its own path under {@code /health}. */
public enum Probe {
    /** Is the process alive? A failing liveness probe makes Kubernetes restart the container. */
    LIVE("live"),
    /** Should this instance receive traffic? False before start-up completes and from the first moment of shutdown. */
    READY("ready"),
    /** Has start-up completed? Kubernetes holds off the other probes until it has. */
    STARTED("started");

    private final String path;

    Probe(String path) {
        this.path = path;
    }

    /** The last path segment, e.g. {@code ready} for {@code /health/ready}. */
    public String path() {
        return path;
    }
}
