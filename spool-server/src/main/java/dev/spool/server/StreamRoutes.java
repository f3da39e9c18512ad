package dev.spool.server;

import io.vertx.core.Context;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;
import dev.spool.server.security.Principal;

/** {@code GET /v1/stream}: upgrades to the WebSocket served by a {@link StreamSession}. */
final class StreamRoutes {
    static final String PATH = "/v1/stream";

    private final Api api;

    StreamRoutes(Api api) {
        this.api = api;
    }

    void register(Router r) {
        r.route(HttpMethod.GET, PATH).handler(this::upgrade);
    }

    private void upgrade(RoutingContext rc) {
        Params.none(rc);
        String upgrade = rc.request().getHeader("Upgrade");
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            Bodies.refuse(rc, new SpoolException(ErrorCode.BAD_REQUEST, "this endpoint is a WebSocket (Upgrade: websocket)"));
            return;
        }
        Context ctx = api.vertx.getOrCreateContext();
        Principal principal = api.security.principal(rc);
        HttpConnection conn = rc.request().connection();
        rc.request().toWebSocket().onComplete(ar -> {
            if (ar.succeeded()) {
                new StreamSession(api, ar.result(), ctx, conn, principal).start();
            } else if (!rc.response().ended() && !rc.response().closed()) {
                Bodies.refuse(rc, new SpoolException(ErrorCode.BAD_REQUEST, "WebSocket handshake failed"), true);
            }
        });
    }
}
