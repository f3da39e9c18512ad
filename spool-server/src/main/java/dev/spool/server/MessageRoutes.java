package dev.spool.server;

import java.io.IOException;
import java.util.List;
import java.util.Set;

import io.vertx.core.Context;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.Broker;
import dev.spool.api.BrowseRequest;
import dev.spool.api.MessageIds;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.RedriveRequest;
import dev.spool.api.SpoolException;

/**
 * Looking at messages without leasing them: the task view of one message (which may wait for a
 * terminal state), browsing by state, and redriving dead letters.
 */
final class MessageRoutes {
    private static final int DEFAULT_BROWSE = 100;

    private final Api api;

    MessageRoutes(Api api) {
        this.api = api;
    }

    void register(Router r) {
        r.route(HttpMethod.GET, "/v1/queues/:q/messages/:id").handler(this::view);
        r.route(HttpMethod.GET, "/v1/queues/:q/messages").handler(this::browse);
        r.route(HttpMethod.POST, "/v1/queues/:q/redrive").handler(this::redrive);
    }

    private void view(RoutingContext rc) {
        String q = Api.queue(rc);
        long id = MessageIds.parse(rc.pathParam("id"), "id");
        Params.allow(rc, Set.of("wait_ms", "group"));
        MessageQuery query = new MessageQuery(Params.text(rc, "group", Broker.DEFAULT_GROUP),
                Params.number(rc, "wait_ms", 0, 0, api.limits.maxWaitMs()));
        query.validate(api.limits);
        boolean waits = query.waitMs() > 0;
        if (waits) {
            api.state.waiting(true);
        }
        Context ctx = api.vertx.getOrCreateContext();
        Api.on(ctx, api.broker.getMessage(q, id, query), (v, e) -> {
            if (waits) {
                api.state.waiting(false);
            }
            if (e != null) {
                Errors.send(rc.response(), e);
            } else {
                api.json(rc, 200, MessageCodec.blocking(v), g -> MessageCodec.writeView(g, v));
            }
        });
    }

    private void browse(RoutingContext rc) {
        String q = Api.queue(rc);
        Params.allow(rc, Set.of("state", "limit", "after", "group"));
        MessageState state = MessageState.fromWire(Params.text(rc, "state", "ready"), "state");
        int limit = (int) Params.number(rc, "limit", Math.min(DEFAULT_BROWSE, api.limits.maxBrowse()), 1,
                api.limits.maxBrowse());
        String after = Params.text(rc, "after", null);
        long afterId = after == null ? 0 : MessageIds.parse(after, "after");
        BrowseRequest req = new BrowseRequest(Params.text(rc, "group", Broker.DEFAULT_GROUP), state, limit, afterId);
        req.validate(api.limits);
        api.reply(rc, api.broker.browse(q, req), views -> api.json(rc, 200, blocking(views), g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("messages");
            for (MessageView v : views) {
                MessageCodec.writeView(g, v);
            }
            g.writeEndArray();
            if (views.size() == limit) {
                g.writeStringField("next_after", views.get(views.size() - 1).idString());
            }
            g.writeEndObject();
        }));
    }

    private static boolean blocking(List<MessageView> views) {
        for (MessageView v : views) {
            if (MessageCodec.blocking(v)) {
                return true;
            }
        }
        return false;
    }

    private void redrive(RoutingContext rc) {
        String q = Api.queue(rc);
        Params.none(rc);
        Bodies.readJson(api, rc, body -> {
            RedriveRequest[] req = new RedriveRequest[1];
            Bodies.parse(body, in -> req[0] = readRedrive(in));
            api.reply(rc, api.broker.redrive(q, req[0]), n -> Api.json(rc.response(), 200, Json.render(g -> {
                g.writeStartObject();
                g.writeNumberField("moved", n);
                g.writeEndObject();
            })));
        });
    }

    private RedriveRequest readRedrive(JsonIn in) throws IOException {
        in.beginDocument("redrive");
        String group = Broker.DEFAULT_GROUP;
        int limit = api.limits.maxBatch();
        java.util.List<Long> ids = java.util.List.of();
        String f;
        while ((f = in.nextField()) != null) {
            if (in.isNull()) {
                continue;
            }
            switch (f) {
                case "group" -> group = in.readString(f);
                case "limit" -> limit = in.readInt(f, 1, api.limits.maxBatch());
                case "ids" -> ids = readIds(in, f);
                default -> throw JsonIn.unknown("", f);
            }
        }
        in.endDocument();
        RedriveRequest r = new RedriveRequest(group, limit, ids);
        r.validate(api.limits);
        return r;
    }

    /** Reads {@code ids}: message ids as strings, 1 to max-batch of them. */
    private java.util.List<Long> readIds(JsonIn in, String f) throws IOException {
        java.util.List<String> texts = in.readStringList(f, api.limits.maxBatch());
        if (texts.isEmpty()) {
            throw SpoolException.invalid(f, "ids must name at least one message (leave it out to redrive all)");
        }
        java.util.List<Long> out = new java.util.ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            out.add(dev.spool.api.MessageIds.parse(texts.get(i), f + "[" + i + "]"));
        }
        return out;
    }
}
