package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The routes the server registers and the operations {@code docs/openapi.yaml} describes are the same. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpenApiRoutesTest {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    @Test
    void shouldDescribeExactlyTheRegisteredRoutes() throws Exception {
        JsonNode spec = new ObjectMapper(new YAMLFactory()).readTree(Path.of("../docs/openapi.yaml").toFile());
        List<String> documented = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = spec.path("paths").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> path = it.next();
            for (Iterator<String> ms = path.getValue().fieldNames(); ms.hasNext();) {
                String m = ms.next();
                if (METHODS.contains(m)) {
                    documented.add(m.toUpperCase(java.util.Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        Collections.sort(documented);
        try (ApiClient api = ApiClient.start()) {
            assertThat(api.server.routes()).isNotEmpty().containsExactlyElementsOf(documented);
        }
    }

    @Test
    void shouldResolveEveryReferenceInTheSpec() throws Exception {
        JsonNode spec = new ObjectMapper(new YAMLFactory()).readTree(Path.of("../docs/openapi.yaml").toFile());
        List<String> broken = new ArrayList<>();
        collectRefs(spec, spec, broken);
        assertThat(broken).isEmpty();
    }

    private static void collectRefs(JsonNode root, JsonNode n, List<String> broken) {
        if (n.isObject() && n.has("$ref")) {
            String ref = n.get("$ref").asText();
            JsonNode target = root.at(ref.substring(1));
            if (target.isMissingNode()) {
                broken.add(ref);
            }
        }
        for (JsonNode child : n) {
            collectRefs(root, child, broken);
        }
    }
}
