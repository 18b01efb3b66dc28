package dev.weft.launcher.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static dev.weft.launcher.deploy.DeployFiles.YAML;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A set of manifests: rendered by kustomize, or the base's files with its ConfigMap generator applied. */
record Manifests(List<JsonNode> docs) {

    static Manifests base(Path dir) throws Exception {
        JsonNode k = YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        List<JsonNode> docs = new ArrayList<>();
        for (JsonNode r : k.path("resources")) {
            docs.addAll(DeployFiles.yamlDocuments(dir.resolve(r.asText())));
        }
        for (JsonNode gen : k.path("configMapGenerator")) {
            ObjectNode cm = DeployFiles.object();
            cm.put("apiVersion", "v1").put("kind", "ConfigMap");
            cm.putObject("metadata").put("name", gen.path("name").asText());
            ObjectNode data = cm.putObject("data");
            for (JsonNode f : gen.path("files")) {
                data.put(Path.of(f.asText()).getFileName().toString(), Files.readString(dir.resolve(f.asText())));
            }
            docs.add(cm);
        }
        return new Manifests(docs);
    }

    List<JsonNode> all(String kind) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    }

    /** The one object of this kind; of several (the dev database's Service, say), the app's own. */
    JsonNode one(String kind) {
        List<JsonNode> found = all(kind);
        if (found.size() > 1 && !kind.equals("Deployment")) {
            String app = appName();
            found = found.stream().filter(d -> app.equals(d.path("metadata").path("labels").path("app.kubernetes.io/name").asText())).toList();
        }
        assertEquals(1, found.size(), "expected exactly one " + kind + " of the app");
        return found.getFirst();
    }

    JsonNode container() {
        JsonNode containers = one("Deployment").path("spec").path("template").path("spec").path("containers");
        assertEquals(1, containers.size(), "one container");
        return containers.get(0);
    }

    /** The app's name: the pod label app.kubernetes.io/name of its Deployment. */
    String appName() {
        return one("Deployment").path("spec").path("template").path("metadata").path("labels").path("app.kubernetes.io/name").asText();
    }

    /** The overlay directories under deploy/k8s/overlays (dev, prod). */
    static List<Path> overlays() throws Exception {
        try (Stream<Path> s = Files.list(DeployFiles.deploy("k8s/overlays"))) {
            List<Path> dirs = s.filter(d -> Files.isRegularFile(d.resolve("kustomization.yaml"))).sorted().toList();
            assertTrue(dirs.size() >= 2, "expected the dev and prod overlays, found " + dirs);
            return dirs;
        }
    }

    // --- looking things up in a manifest's JSON tree --------------------------------------------

    static int resolvePort(JsonNode port, Map<String, Integer> byName) {
        if (port.isInt()) {
            return port.asInt();
        }
        Integer p = byName.get(port.asText());
        assertNotNull(p, "no container port named " + port.asText());
        return p;
    }

    static Map<String, String> fields(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    static boolean contains(JsonNode array, String value) {
        for (JsonNode n : array) {
            if (n.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }

    static JsonNode find(Iterable<JsonNode> nodes, Predicate<JsonNode> test, String what) {
        for (JsonNode n : nodes) {
            if (test.test(n)) {
                return n;
            }
        }
        throw new AssertionError("not found: " + what);
    }

    static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
