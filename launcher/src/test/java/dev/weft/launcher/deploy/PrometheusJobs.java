package dev.weft.launcher.deploy;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The Prometheus {@code job} labels Weft's series get, derived from the deploy files rather than
 * written down again: {@code <namespace>/<PodMonitor name>} for each overlay's namespace (how the
 * Prometheus Operator names a PodMonitor's job), and the laptop job of prometheus.yml. A fork that
 * renames its PodMonitor or namespaces gets rule tests against its own jobs.
 */
final class PrometheusJobs {

    private PrometheusJobs() {
    }

    /** The PodMonitor of the optional component (deploy/k8s/components/podmonitor). */
    static JsonNode podMonitor() throws Exception {
        List<JsonNode> docs = DeployFiles.yamlDocuments(DeployFiles.deploy("k8s/components/podmonitor/podmonitor.yaml"));
        assertEquals(1, docs.size(), "one PodMonitor");
        return docs.getFirst();
    }

    /** Each overlay's namespace, by the overlay's directory name (dev, prod). */
    static Map<String, String> namespaces() throws Exception {
        Map<String, String> namespaces = new LinkedHashMap<>();
        for (Path overlay : Manifests.overlays()) {
            String namespace = DeployFiles.YAML.readTree(overlay.resolve("kustomization.yaml").toFile()).path("namespace").asText();
            assertFalse(namespace.isEmpty(), overlay + " sets its namespace");
            namespaces.put(overlay.getFileName().toString(), namespace);
        }
        return namespaces;
    }

    /** The PodMonitor's name: the part of the job after the namespace. */
    static String podMonitorName() throws Exception {
        return podMonitor().path("metadata").path("name").asText();
    }

    /** The job of Weft's pods in {@code namespace}: {@code <namespace>/<PodMonitor name>}. */
    static String kubernetesJob(String namespace) throws Exception {
        return namespace + "/" + podMonitorName();
    }

    /** Names for other services in the same Prometheus, in the order the foreign fixtures take them. */
    private static final List<String> FOREIGN_CANDIDATES = List.of("orders", "payments", "kubelet", "billing", "shipping", "ledger");

    /** The roles of the foreign fixtures' services: a Spring Boot service, another from this template, an exporter. */
    private static final List<String> FOREIGN_ROLES = List.of("other_service", "sibling_service", "infra_service");

    /**
     * A name for each foreign role, the candidates in order without {@code own} (this service's
     * names): so a foreign fixture never is this service, in any fork ("orders" included), and the
     * rule tests stay as strict there as here.
     */
    static Map<String, String> foreignServices(Set<String> own) {
        List<String> names = FOREIGN_CANDIDATES.stream().filter(n -> !own.contains(n)).toList();
        Map<String, String> foreign = new LinkedHashMap<>();
        for (int i = 0; i < FOREIGN_ROLES.size(); i++) {
            foreign.put(FOREIGN_ROLES.get(i), names.get(i));
        }
        return foreign;
    }

    /** The job_name of the single scrape config in deploy/prometheus/prometheus.yml. */
    static String laptopJob() throws Exception {
        JsonNode configs = DeployFiles.YAML.readTree(DeployFiles.deploy("prometheus/prometheus.yml").toFile()).path("scrape_configs");
        assertEquals(1, configs.size(), "one scrape config in prometheus.yml");
        return configs.get(0).path("job_name").asText();
    }
}
