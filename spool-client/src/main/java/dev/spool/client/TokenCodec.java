package dev.spool.client;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.vertx.core.buffer.Buffer;

/** The JSON of the {@code /v1/tokens} routes, on the client's side. */
final class TokenCodec {
    private TokenCodec() {
    }

    /** The body of {@code POST /v1/tokens}. */
    static Buffer createBody(String name, List<String> permissions) {
        return JsonCodec.write(g -> {
            g.writeStartObject();
            g.writeStringField("name", name);
            g.writeArrayFieldStart("permissions");
            for (String p : permissions) {
                g.writeString(p);
            }
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /** The reply of {@code POST /v1/tokens}: the token and its secret, shown this once. */
    static TokenInfo.Created created(JsonNode n) {
        return new TokenInfo.Created(info(n), n.path("secret").asText());
    }

    /** The reply of {@code GET /v1/tokens}. */
    static List<TokenInfo> list(JsonNode n) {
        List<TokenInfo> out = new ArrayList<>();
        n.path("tokens").forEach(t -> out.add(info(t)));
        return out;
    }

    static TokenInfo info(JsonNode n) {
        List<String> perms = new ArrayList<>();
        n.path("permissions").forEach(p -> perms.add(p.asText()));
        return new TokenInfo(n.path("id").asText(), n.path("name").asText(), perms, n.path("created_at").asLong());
    }
}
