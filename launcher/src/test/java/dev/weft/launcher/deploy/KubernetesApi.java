package dev.weft.launcher.deploy;

import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1NetworkPolicy;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;

import java.io.IOException;
import java.util.Map;

/**
 * The Kubernetes API's types for the kinds the manifests use, as the official client generates
 * them from the API's OpenAPI document. Their {@code fromJson} rejects a field the type does not
 * have, a missing required field and a wrong JSON type, with a message naming the field.
 */
final class KubernetesApi {

    /** Parses one object's JSON, throwing when the API would not accept it. */
    @FunctionalInterface
    interface Parser {
        Object parse(String json) throws IOException;
    }

    /** By {@code apiVersion/kind}. */
    static final Map<String, Parser> MODELS = Map.of(
            "v1/Namespace", V1Namespace::fromJson,
            "v1/ServiceAccount", V1ServiceAccount::fromJson,
            "v1/ConfigMap", V1ConfigMap::fromJson,
            "v1/Secret", V1Secret::fromJson,
            "v1/Service", V1Service::fromJson,
            "apps/v1/Deployment", V1Deployment::fromJson,
            "apps/v1/StatefulSet", V1StatefulSet::fromJson,
            "policy/v1/PodDisruptionBudget", V1PodDisruptionBudget::fromJson,
            "autoscaling/v2/HorizontalPodAutoscaler", V2HorizontalPodAutoscaler::fromJson,
            "networking.k8s.io/v1/NetworkPolicy", V1NetworkPolicy::fromJson);

    private KubernetesApi() {
    }
}
