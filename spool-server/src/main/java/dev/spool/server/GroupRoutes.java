package dev.spool.server;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.GroupInfo;
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

    /** A created group and the warning of its reply, or null. */
    private record Created(GroupInfo info, String warning) {
    }

    /**
     * A group that starts in the past replays only what {@code retention_ms} kept: with the default
     * of 0, every message acked before the group existed is gone, which the reply says.
     */
    private CompletionStage<String> replayWarning(String q, GroupSpec spec) {
        if (spec.start() instanceof StartPosition.Latest) {
            return CompletableFuture.completedFuture(null);
        }
        return api.broker.getQueue(q).thenApply(info -> info.config().retentionMs() > 0 ? null
                : "the queue's retention_ms is 0: messages acked before this group was created are not kept, so "
                + "the group starts with what is still unacked; set retention_ms on the queue to replay acked ones");
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
            var put = bound.check(q, group).thenCompose(v -> PushGroupRoutes.refusePushGroup(api, q, group))
                    .thenCompose(v -> api.broker.putGroup(q, group, spec[0]))
                    .thenCompose(gi -> replayWarning(q, spec[0]).thenApply(w -> new Created(gi, w)));
            api.reply(rc, put, c -> Api.json(rc.response(), 200,
                    Json.render(g -> QueueCodec.writeGroup(g, c.info(), c.warning()))));
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
