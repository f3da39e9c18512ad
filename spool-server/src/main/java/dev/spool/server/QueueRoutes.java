package dev.spool.server;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.ErrorCode;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;
import dev.spool.api.SpoolException;
import dev.spool.server.security.Permission;
import dev.spool.server.security.Principal;
import dev.spool.server.security.Security;

/**
 * Queue administration: create or reconfigure, read, list, delete, purge.
 *
 * <p>{@code PUT} merges the given fields onto the queue's current configuration (or the server
 * defaults for a new queue), so a client may change one setting without restating the others.
 */
final class QueueRoutes {
    private final Api api;

    QueueRoutes(Api api) {
        this.api = api;
    }

    void register(Router r) {
        r.route(HttpMethod.GET, "/v1/queues").handler(this::list);
        r.route(HttpMethod.PUT, "/v1/queues/:q").handler(this::put);
        r.route(HttpMethod.GET, "/v1/queues/:q").handler(this::get);
        r.route(HttpMethod.DELETE, "/v1/queues/:q").handler(this::delete);
        r.route(HttpMethod.POST, "/v1/queues/:q/purge").handler(this::purge);
    }

    private void list(RoutingContext rc) {
        Params.none(rc);
        Principal who = api.security.principal(rc);
        api.reply(rc, api.broker.listQueues(), qs -> {
            // a caller learns only of the queues it holds a grant on
            List<QueueInfo> visible = who.kind() == Principal.Kind.OPEN ? qs
                    : qs.stream().filter(q -> who.sees(q.name())).toList();
            Api.json(rc.response(), 200, Json.render(g -> QueueCodec.writeQueues(g, visible)));
        });
    }

    private void get(RoutingContext rc) {
        String q = Api.queue(rc);
        Params.none(rc);
        api.reply(rc, api.broker.getQueue(q), info -> sendQueue(rc, info));
    }

    private void put(RoutingContext rc) {
        String q = Api.queue(rc);
        Params.none(rc);
        Bodies.readJson(api, rc, body -> {
            // Parse once against the defaults first: a malformed body fails before any broker call.
            QueueConfig[] first = new QueueConfig[1];
            Bodies.parse(body, in -> first[0] = readConfig(in, api.broker.settings().queueDefaults()));
            // dead letters would be written to the named queue: the caller must administer it too
            Optional<String> dlq = first[0].deadLetterQueue();
            if (dlq.isPresent()) {
                Security.require(api.security.principal(rc), Permission.Action.ADMIN, "queue", dlq.get());
            }
            CompletionStage<QueueInfo> put = currentConfig(q).thenCompose(base -> {
                QueueConfig[] merged = new QueueConfig[1];
                Bodies.parse(body, in -> merged[0] = readConfig(in, base));
                return api.broker.putQueue(q, merged[0]);
            });
            api.reply(rc, put, info -> sendQueue(rc, info));
        });
    }

    private static QueueConfig readConfig(JsonIn in, QueueConfig base) throws java.io.IOException {
        in.beginDocument("queue configuration");
        QueueConfig c = QueueCodec.readConfig(in, base);
        in.endDocument();
        return c;
    }

    private CompletionStage<QueueConfig> currentConfig(String q) {
        return api.broker.getQueue(q).handle((info, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(info.config());
            }
            SpoolException s = Errors.toSpool(e);
            if (s.code() == ErrorCode.QUEUE_NOT_FOUND) {
                return CompletableFuture.completedFuture(api.broker.settings().queueDefaults());
            }
            return CompletableFuture.<QueueConfig>failedFuture(s);
        }).thenCompose(f -> f);
    }

    private void delete(RoutingContext rc) {
        String q = Api.queue(rc);
        Params.none(rc);
        api.reply(rc, api.broker.deleteQueue(q), v -> {
            api.metrics.forget(q);
            Api.noContent(rc.response());
        });
    }

    private void purge(RoutingContext rc) {
        String q = Api.queue(rc);
        Params.none(rc);
        Bodies.readJson(api, rc, body -> {
            Bodies.parse(body, Params::emptyObject);
            api.reply(rc, api.broker.purgeQueue(q), n -> Api.json(rc.response(), 200,
                    Json.render(g -> {
                        g.writeStartObject();
                        g.writeNumberField("purged", n);
                        g.writeEndObject();
                    })));
        });
    }

    private static void sendQueue(RoutingContext rc, QueueInfo info) {
        Api.json(rc.response(), 200, Json.render(g -> QueueCodec.writeQueue(g, info)));
    }
}
