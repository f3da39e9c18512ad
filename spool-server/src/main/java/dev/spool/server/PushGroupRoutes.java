package dev.spool.server;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.Broker;
import dev.spool.api.ErrorCode;
import dev.spool.api.GroupInfo;
import dev.spool.api.GroupSpec;
import dev.spool.api.SpoolException;
import dev.spool.api.StartPosition;
import dev.spool.server.push.PushConfig;

/**
 * Push groups ({@code docs/push.md}): {@code PUT}, {@code GET}, {@code DELETE
 * /v1/queues/{q}/push/{name}} and {@code GET /v1/queues/{q}/push}. A push group is a named group
 * whose configuration the broker stores as its push text; this server's {@link
 * dev.spool.server.push.PushDelivery} (and every other server's, at its next scan) delivers it.
 */
final class PushGroupRoutes {
    private final Api api;
    private final GroupBound bound;

    PushGroupRoutes(Api api) {
        this.api = api;
        this.bound = new GroupBound(api, api.config.edge().maxGroups());
    }

    void register(Router r) {
        r.route(HttpMethod.GET, "/v1/queues/:q/push").handler(this::list);
        r.route(HttpMethod.PUT, "/v1/queues/:q/push/:g").handler(this::put);
        r.route(HttpMethod.GET, "/v1/queues/:q/push/:g").handler(this::get);
        r.route(HttpMethod.DELETE, "/v1/queues/:q/push/:g").handler(this::delete);
    }

    private void put(RoutingContext rc) {
        String q = Api.queue(rc);
        String name = Api.group(rc);
        Params.none(rc);
        boolean isDefault = Broker.DEFAULT_GROUP.equals(name);
        Bodies.readJson(api, rc, body -> {
            // the default group always starts at the earliest message (the broker refuses another start)
            PushConfig config = PushConfig.parse(body.toString(StandardCharsets.UTF_8),
                    isDefault ? StartPosition.EARLIEST : StartPosition.LATEST);
            GroupSpec spec = new GroupSpec(config.start(), Optional.of(config.toStored()));
            CompletionStage<GroupInfo> stage = api.push.checkTarget(config)
                    .thenCompose(v -> bound.check(q, name))
                    .thenCompose(v -> existing(q, name))
                    .thenCompose(g -> {
                        // the queue's own group becomes a push group in place: its consumers stop popping it
                        if (!isDefault && g.isPresent() && g.get().push().isEmpty()) {
                            throw SpoolException.withField(ErrorCode.CONFLICT, "name", "group '" + name
                                    + "' of queue '" + q + "' is a group consumers pop from, not a push group");
                        }
                        return api.broker.putGroup(q, name, spec);
                    })
                    .thenCompose(g -> api.push.refresh().thenApply(v -> g));
            api.reply(rc, stage, g -> Api.json(rc.response(), 200, view(q, g).toBuffer()));
        });
    }

    private void get(RoutingContext rc) {
        String q = Api.queue(rc);
        String name = Api.group(rc);
        Params.none(rc);
        api.reply(rc, pushGroup(q, name), g -> Api.json(rc.response(), 200, view(q, g).toBuffer()));
    }

    private void list(RoutingContext rc) {
        String q = Api.queue(rc);
        Params.none(rc);
        api.reply(rc, api.broker.listGroups(q), gs -> {
            JsonArray out = new JsonArray();
            for (GroupInfo g : gs) {
                if (g.push().isPresent()) {
                    out.add(view(q, g));
                }
            }
            Api.json(rc.response(), 200, new JsonObject().put("push", out).toBuffer());
        });
    }

    private void delete(RoutingContext rc) {
        String q = Api.queue(rc);
        String name = Api.group(rc);
        Params.none(rc);
        // the default group cannot be deleted: it stops being a push group and keeps its messages
        api.reply(rc, pushGroup(q, name).thenCompose(g -> Broker.DEFAULT_GROUP.equals(name)
                ? api.broker.putGroup(q, name, new GroupSpec(StartPosition.EARLIEST)).thenApply(x -> (Void) null)
                : api.broker.deleteGroup(q, name))
                .thenCompose(v -> api.push.refresh()), v -> Api.noContent(rc.response()));
    }

    private CompletionStage<GroupInfo> pushGroup(String q, String name) {
        return api.broker.getGroup(q, name).thenApply(g -> {
            if (g.push().isEmpty()) {
                throw new SpoolException(ErrorCode.GROUP_NOT_FOUND, "group '" + name + "' of queue '" + q
                        + "' is not a push group");
            }
            return g;
        });
    }

    private CompletionStage<Optional<GroupInfo>> existing(String q, String name) {
        return api.broker.getGroup(q, name).thenApply(Optional::of).exceptionallyCompose(e -> {
            Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (c instanceof SpoolException se && se.code() == ErrorCode.GROUP_NOT_FOUND) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            return CompletableFuture.failedFuture(c);
        });
    }

    /** Refuses a plain-group PUT on a push group (it would drop the push configuration). */
    static CompletionStage<Void> refusePushGroup(Api api, String q, String group) {
        return new PushGroupRoutes(api).existing(q, group).thenApply(g -> {
            if (g.isPresent() && g.get().push().isPresent()) {
                throw SpoolException.withField(ErrorCode.CONFLICT, "group", "group '" + group + "' of queue '" + q
                        + "' is a push group: change it with PUT /v1/queues/{q}/push/{name}");
            }
            return null;
        });
    }

    private JsonObject view(String q, GroupInfo g) {
        JsonObject stats = new JsonObject().put("ready", g.stats().ready()).put("delayed", g.stats().delayed())
                .put("in_flight", g.stats().inFlight()).put("dead", g.stats().dead())
                .put("oldest_ready_age_ms", g.stats().oldestReadyAgeMs());
        return new JsonObject().put("name", g.name()).put("queue", q).put("created_at", g.createdAt())
                .put("config", publicConfig(g.push().orElse("{}"))).put("stats", stats)
                .put("delivery", api.push.status(q, g.name()).orElse(null));
    }

    /** The GET form of a stored configuration: secrets left out. */
    static JsonObject publicConfig(String stored) {
        try {
            return PushConfig.parse(stored).toPublic();
        } catch (SpoolException e) {
            return new JsonObject().put("unreadable", true);
        }
    }
}
