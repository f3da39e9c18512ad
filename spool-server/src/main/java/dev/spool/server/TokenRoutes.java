package dev.spool.server;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.AccessToken;
import dev.spool.api.SpoolException;
import dev.spool.server.security.Permission;
import dev.spool.server.security.Security;

/**
 * {@code /v1/tokens}: create, list and revoke access tokens (needs {@code admin:*} when
 * authentication is on). The secret of a new token appears once, in the creation reply; the list
 * shows ids, names and permissions, never a secret or a hash.
 */
final class TokenRoutes {
    private final Api api;

    TokenRoutes(Api api) {
        this.api = api;
    }

    void register(Router r) {
        r.route(HttpMethod.POST, "/v1/tokens").handler(this::create);
        r.route(HttpMethod.GET, "/v1/tokens").handler(this::list);
        r.route(HttpMethod.DELETE, "/v1/tokens/:id").handler(this::revoke);
    }

    private record Spec(String name, List<String> permissions) {
    }

    private void create(RoutingContext rc) {
        Params.none(rc);
        Bodies.readJson(api, rc, body -> {
            Spec[] spec = new Spec[1];
            Bodies.parse(body, in -> spec[0] = readSpec(in));
            Security.requireEverywhere(api.security.principal(rc), Permission.Action.ADMIN);
            api.reply(rc, api.security.tokens().create(spec[0].name(), spec[0].permissions()),
                    c -> Api.json(rc.response(), 201, Json.render(g -> {
                        g.writeStartObject();
                        writeFields(g, c.token());
                        g.writeStringField("secret", c.secret());
                        g.writeEndObject();
                    })));
        });
    }

    private static Spec readSpec(JsonIn in) throws IOException {
        in.beginDocument("token");
        String name = null;
        List<String> perms = new ArrayList<>();
        String f;
        while ((f = in.nextField()) != null) {
            switch (f) {
                case "name" -> name = in.readString(f);
                case "permissions" -> {
                    in.expectArray(f);
                    while (in.next() != JsonToken.END_ARRAY) {
                        if (perms.size() >= AccessToken.MAX_PERMISSIONS) {
                            throw SpoolException.invalid(f, "at most " + AccessToken.MAX_PERMISSIONS + " permissions");
                        }
                        perms.add(in.readString(f));
                    }
                }
                default -> throw JsonIn.unknown("", f);
            }
        }
        in.endDocument();
        if (name == null) {
            throw SpoolException.invalid("name", "name is required");
        }
        return new Spec(name, perms);
    }

    private void list(RoutingContext rc) {
        Params.none(rc);
        api.reply(rc, api.security.tokens().list(), all -> Api.json(rc.response(), 200, Json.render(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("tokens");
            for (AccessToken t : all) {
                g.writeStartObject();
                writeFields(g, t);
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        })));
    }

    private void revoke(RoutingContext rc) {
        Params.none(rc);
        String id = rc.pathParam("id");
        api.reply(rc, api.security.tokens().revoke(id), v -> Api.noContent(rc.response()));
    }

    private static void writeFields(JsonGenerator g, AccessToken t) throws IOException {
        g.writeStringField("id", t.id());
        g.writeStringField("name", t.name());
        g.writeArrayFieldStart("permissions");
        for (String p : t.permissions()) {
            g.writeString(p);
        }
        g.writeEndArray();
        g.writeNumberField("created_at", t.createdAt());
    }
}
