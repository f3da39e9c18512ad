package dev.spool.server;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.BrokerLimits;
import dev.spool.api.ErrorCode;
import dev.spool.api.MessageIds;
import dev.spool.api.NewMessage;
import dev.spool.api.SpoolException;
import dev.spool.server.trace.Tracing;

/**
 * {@code POST /v1/queues/{q}/messages}: a JSON batch {@code {"messages":[...]}} when the body is
 * {@code application/json}, otherwise one raw message handled by {@link RawPush}.
 */
final class PushRoutes {
    private final Api api;
    private final RawPush raw;

    PushRoutes(Api api) {
        this.api = api;
        this.raw = new RawPush(api);
    }

    private static final String FORM = "application/x-www-form-urlencoded";

    void register(Router r) {
        r.route(HttpMethod.POST, "/v1/queues/:q/messages").handler(this::push);
    }

    private void push(RoutingContext rc) {
        String q = Api.queue(rc);
        Params.none(rc);
        String ct = rc.request().getHeader("Content-Type");
        if (ct != null && ct.strip().regionMatches(true, 0, FORM, 0, FORM.length())) {
            // what `curl -d` sends by default: almost always a JSON batch missing its content type
            Bodies.refuse(rc, SpoolException.withField(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Type", "a form-encoded body is not "
                    + "pushed: send a JSON batch with Content-Type: application/json, or a raw message with its own "
                    + "content type (e.g. curl --data-binary @file -H 'content-type: application/octet-stream')"));
            return;
        }
        if (!Json.isJsonMedia(ct)) {
            raw.handle(rc, q);
            return;
        }
        Bodies.readJson(api, rc, body -> {
            @SuppressWarnings("unchecked")
            List<NewMessage>[] batch = new List[1];
            Bodies.parse(body, in -> batch[0] = readBatch(in, api.limits));
            List<NewMessage> messages;
            try {
                messages = TraceContext.inherit(batch[0], rc.request().headers());
            } catch (SpoolException e) {
                Bodies.refuse(rc, e);
                return;
            }
            long t0 = api.tracing.now();
            CompletionStage<long[]> pushed = api.broker.push(q, messages);
            if (api.tracing.enabled()) {
                pushed.whenComplete((ids, e) -> api.tracing.pushed(Tracing.Transport.HTTP, q, messages, ids, t0, e));
            }
            api.reply(rc, pushed, ids -> {
                api.metrics.queue(q).pushed.increment(ids.length);
                Api.json(rc.response(), 200, Json.render(g -> writeIds(g, ids)));
            });
        });
    }

    /** Reads {@code {"messages":[...]}}. */
    static List<NewMessage> readBatch(JsonIn in, BrokerLimits limits) throws IOException {
        in.beginDocument("{\"messages\":[...]}");
        List<NewMessage> messages = null;
        String f;
        while ((f = in.nextField()) != null) {
            if ("messages".equals(f)) {
                messages = MessageCodec.readMessages(in, "messages", limits);
            } else {
                throw JsonIn.unknown("", f);
            }
        }
        in.endDocument();
        if (messages == null) {
            throw SpoolException.invalid("messages", "messages is required");
        }
        return messages;
    }

    /** Writes {@code {"ids":[...]}}. */
    static void writeIds(JsonGenerator g, long[] ids) throws IOException {
        g.writeStartObject();
        writeIdArray(g, ids);
        g.writeEndObject();
    }

    static void writeIdArray(JsonGenerator g, long[] ids) throws IOException {
        g.writeArrayFieldStart("ids");
        for (long id : ids) {
            g.writeString(MessageIds.format(id));
        }
        g.writeEndArray();
    }
}
