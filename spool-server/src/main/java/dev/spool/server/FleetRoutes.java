package dev.spool.server;

import java.nio.charset.StandardCharsets;
import java.util.Set;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.server.push.Fleets;

/**
 * Fleet pushes and endpoint sets ({@code docs/push.md}, Fleet push): {@code POST|GET /v1/fleets},
 * {@code GET|DELETE /v1/fleets/{id}}, {@code GET /v1/fleets/{id}/endpoints}, {@code POST
 * /v1/fleets/{id}/cancel}, and {@code PUT|GET|DELETE /v1/fleet-sets/{name}}, {@code GET
 * /v1/fleet-sets}. The work is done by {@link Fleets}; with authentication on, every route needs
 * {@code admin:*} (a fleet makes the server call out).
 */
final class FleetRoutes {
    private final Api api;

    FleetRoutes(Api api) {
        this.api = api;
    }

    void register(Router r) {
        r.route(HttpMethod.POST, "/v1/fleets").handler(this::create);
        r.route(HttpMethod.GET, "/v1/fleets").handler(this::list);
        r.route(HttpMethod.GET, "/v1/fleets/:id").handler(this::get);
        r.route(HttpMethod.DELETE, "/v1/fleets/:id").handler(this::delete);
        r.route(HttpMethod.GET, "/v1/fleets/:id/endpoints").handler(this::endpoints);
        r.route(HttpMethod.POST, "/v1/fleets/:id/cancel").handler(this::cancel);
        r.route(HttpMethod.GET, "/v1/fleet-sets").handler(this::listSets);
        r.route(HttpMethod.PUT, "/v1/fleet-sets/:name").handler(this::putSet);
        r.route(HttpMethod.GET, "/v1/fleet-sets/:name").handler(this::getSet);
        r.route(HttpMethod.DELETE, "/v1/fleet-sets/:name").handler(this::deleteSet);
    }

    private Fleets fleets() {
        return api.push.fleets();
    }

    private void create(RoutingContext rc) {
        Params.none(rc);
        Bodies.readJson(api, rc, body -> api.reply(rc, fleets().create(body.toString(StandardCharsets.UTF_8)),
                f -> Api.json(rc.response(), 201, f.toBuffer())));
    }

    private void list(RoutingContext rc) {
        Params.none(rc);
        api.reply(rc, fleets().list(), a -> Api.json(rc.response(), 200, new JsonObject().put("fleets", a)
                .toBuffer()));
    }

    private void get(RoutingContext rc) {
        Params.none(rc);
        api.reply(rc, fleets().get(rc.pathParam("id")), f -> Api.json(rc.response(), 200, f.toBuffer()));
    }

    private void delete(RoutingContext rc) {
        Params.none(rc);
        api.reply(rc, fleets().delete(rc.pathParam("id")), v -> Api.noContent(rc.response()));
    }

    private void cancel(RoutingContext rc) {
        Params.none(rc);
        api.reply(rc, fleets().cancel(rc.pathParam("id")), f -> Api.json(rc.response(), 200, f.toBuffer()));
    }

    private void endpoints(RoutingContext rc) {
        Params.allow(rc, Set.of("offset", "limit"));
        int offset = (int) Params.number(rc, "offset", 0, 0, Integer.MAX_VALUE);
        int limit = (int) Params.number(rc, "limit", 100, 1, Fleets.MAX_PAGE);
        api.reply(rc, fleets().endpoints(rc.pathParam("id"), offset, limit),
                p -> Api.json(rc.response(), 200, p.toBuffer()));
    }

    private void listSets(RoutingContext rc) {
        Params.none(rc);
        api.reply(rc, fleets().sets().list(), a -> Api.json(rc.response(), 200,
                new JsonObject().put("endpoint_sets", a).toBuffer()));
    }

    private void putSet(RoutingContext rc) {
        Params.none(rc);
        String name = rc.pathParam("name");
        Bodies.readJson(api, rc, body -> api.reply(rc, fleets().sets().put(name, body.toString(StandardCharsets.UTF_8)),
                s -> Api.json(rc.response(), 200, s.toBuffer())));
    }

    private void getSet(RoutingContext rc) {
        Params.none(rc);
        api.reply(rc, fleets().sets().get(rc.pathParam("name")), s -> Api.json(rc.response(), 200, s.toBuffer()));
    }

    private void deleteSet(RoutingContext rc) {
        Params.none(rc);
        api.reply(rc, fleets().sets().delete(rc.pathParam("name")), v -> Api.noContent(rc.response()));
    }
}
