package dev.echoport.it;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads Kubernetes manifests into fabric8's typed API models so strictly that an unknown or misspelt field anywhere
 * fails. fabric8's classes keep unknown fields in an "additionalProperties" map (a Jackson any-setter); that is
 * switched off here, so FAIL_ON_UNKNOWN_PROPERTIES applies at every level.
 */
final class StrictKubernetesTypes {
    /** apiVersion/kind -> model class, for every kind echoport's manifests may contain. */
    private static final Map<String, Class<? extends HasMetadata>> TYPES = Map.of(
            "v1/Namespace", Namespace.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Service", Service.class,
            "apps/v1/Deployment", Deployment.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
            "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class,
            "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
            "monitoring.coreos.com/v1/ServiceMonitor", ServiceMonitor.class);

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public Boolean hasAnySetter(Annotated a) {
                    return Boolean.FALSE;
                }
            });

    private StrictKubernetesTypes() {
    }

    /** Every document of a multi-document YAML stream, as trees. */
    static List<JsonNode> documents(String yaml) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    /**
     * The typed object for one document.
     *
     * @throws IllegalArgumentException naming the document and the offending field or the unknown kind
     */
    static HasMetadata toTyped(JsonNode doc) {
        String key = doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
        Class<? extends HasMetadata> type = TYPES.get(key);
        String name = key + " " + doc.path("metadata").path("name").asText("?");
        if (type == null) {
            throw new IllegalArgumentException(name + ": no API type known for apiVersion/kind " + key);
        }
        try {
            return STRICT.treeToValue(doc, type);
        } catch (JsonMappingException e) {
            throw new IllegalArgumentException(name + ": " + e.getOriginalMessage() + " at " + e.getPathReference(), e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(name + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Parses and types every document; the first invalid one fails. */
    static List<HasMetadata> parseAll(String yaml) throws IOException {
        List<HasMetadata> objects = new ArrayList<>();
        for (JsonNode doc : documents(yaml)) {
            objects.add(toTyped(doc));
        }
        return objects;
    }
}
