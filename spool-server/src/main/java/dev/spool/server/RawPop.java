package dev.spool.server;

import java.io.InputStream;
import java.util.List;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.Delivery;
import dev.spool.api.Payload;

/**
 * The raw form of a pop reply: 204 when no message came, else the payload as the body with its
 * metadata in {@code Spool-*} headers ({@link SpoolHeaders#write}).
 *
 * <p>A payload held in a file region goes out with {@code sendFile} (zero-copy, off the heap); any
 * other streamed payload is copied on a worker thread through a {@link ResponseOutputStream} with
 * back-pressure; only inline payloads, already on the heap, are written directly.
 */
final class RawPop {
    private RawPop() {
    }

    static void send(Api api, RoutingContext rc, List<Delivery> ds) {
        HttpServerResponse resp = rc.response();
        if (ds.isEmpty()) {
            Api.noContent(resp);
            return;
        }
        Delivery d = ds.get(0);
        resp.setStatusCode(200);
        SpoolHeaders.write(resp.headers(), d);
        body(api, rc, d.body().payload());
    }

    /**
     * Sends {@code p} as the body of the reply whose status and headers are set: a file region with
     * {@code sendFile}, a stream copied off the event loop, inline bytes directly.
     */
    static void body(Api api, RoutingContext rc, Payload p) {
        HttpServerResponse resp = rc.response();
        switch (p) {
            case Payload.Inline inline -> resp.end(Buffer.buffer(inline.bytes()));
            case Payload.FileRegion region -> resp.sendFile(region.file().toString(), region.offset(), region.size())
                    .onFailure(e -> Errors.send(resp, e));
            case Payload.Streamed streamed -> copy(api, rc, streamed);
        }
    }

    private static void copy(Api api, RoutingContext rc, Payload.Streamed p) {
        HttpServerResponse resp = rc.response();
        resp.putHeader("Content-Length", Long.toString(p.size()));
        Context ctx = api.vertx.getOrCreateContext();
        ResponseOutputStream out = new ResponseOutputStream(rc, ctx, api.config.edge().bodyTimeoutMs());
        ctx.executeBlocking(() -> {
            try (out; InputStream in = p.openStream()) {
                in.transferTo(out);
            }
            return null;
        }, false).onFailure(e -> Errors.send(resp, e));
    }
}
