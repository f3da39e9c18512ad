package dev.spool.server;

import java.io.IOException;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.ErrorCode;
import dev.spool.api.GroupSpec;
import dev.spool.api.SpoolException;
import dev.spool.api.StartPosition;

/**
 * Named groups (fan-out): create, read, list, delete. The body of {@code PUT} is
 * {@code {"start": "earliest"|"latest"|<epoch ms>|"<ISO-8601>"}}, start defaulting to
 * {@code latest}. A push group is configured through {@link PushGroupRoutes}; this route refuses to
 * turn one into a plain group ({@code 409}).
 */
final class GroupRoutes {
    private final Api api;
    private final GroupBound bound;

    GroupRoutes(Api api) {
        this.api = api;
        this.bound = new GroupBound(api, api.config.edge().maxGroups());
    }

    void register(Router r) {
        r.route(HttpMethod.GET, "/v1/queues/:q/groups").handler(this::list);
        r.route(HttpMethod.PUT, "/v1/queues/:q/groups/:g").handler(this::put);
        r.route(HttpMethod.GET, "/v1/queues/:q/groups/:g").handler(this::get);
        r.route(HttpMethod.DELETE, "/v1/queues/:q/groups/:g").handler(this::delete);
    }

    private void list(RoutingContext rc) {
        String q = Api.queue(rc);
        Params.none(rc);
        api.reply(rc, api.broker.listGroups(q),
                gs -> Api.json(rc.response(), 200, Json.render(g -> QueueCodec.writeGroups(g, gs))));
    }

    private void get(RoutingContext rc) {
        String q = Api.queue(rc);
        String group = Api.group(rc);
        Params.none(rc);
        api.reply(rc, api.broker.getGroup(q, group),
                gi -> Api.json(rc.response(), 200, Json.render(g -> QueueCodec.writeGroup(g, gi))));
    }

    private void put(RoutingContext rc) {
        String q = Api.queue(rc);
        String group = Api.group(rc);
        Params.none(rc);
        Bodies.readJson(api, rc, body -> {
            GroupSpec[] spec = new GroupSpec[1];
            Bodies.parse(body, in -> spec[0] = readSpec(in));
            api.reply(rc, bound.check(q, group).thenCompose(v -> PushGroupRoutes.refusePushGroup(api, q, group))
                    .thenCompose(v -> api.broker.putGroup(q, group, spec[0])),
                    gi -> Api.json(rc.response(), 200, Json.render(g -> QueueCodec.writeGroup(g, gi))));
        });
    }

    private static GroupSpec readSpec(JsonIn in) throws IOException {
        in.beginDocument("group");
        StartPosition start = StartPosition.LATEST;
        String f;
        while ((f = in.nextField()) != null) {
            if (in.isNull()) {
                continue;
            }
            switch (f) {
                case "start" -> start = StartPosition.parse(in.readScalarText(f), f);
                case "push" -> throw SpoolException.invalid("push",
                        "push groups are configured with PUT /v1/queues/{q}/push/{name}");
                default -> throw JsonIn.unknown("", f);
            }
        }
        in.endDocument();
        return new GroupSpec(start);
    }

    private void delete(RoutingContext rc) {
        String q = Api.queue(rc);
        String group = Api.group(rc);
        Params.none(rc);
        api.reply(rc, api.broker.deleteGroup(q, group), v -> Api.noContent(rc.response()));
    }
}
