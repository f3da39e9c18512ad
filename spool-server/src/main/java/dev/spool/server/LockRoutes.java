package dev.spool.server;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * The lock routes of DESIGN §3. The Broker SPI has no locks yet, so each answers 501
 * {@code not_implemented}: the paths are reserved and a client learns why rather than getting 404.
 */
final class LockRoutes {
    void register(Router r) {
        r.route(HttpMethod.POST, "/v1/locks/:name/acquire").handler(LockRoutes::notYet);
        r.route(HttpMethod.POST, "/v1/locks/:name/keepalive").handler(LockRoutes::notYet);
        r.route(HttpMethod.POST, "/v1/locks/:name/release").handler(LockRoutes::notYet);
        r.route(HttpMethod.GET, "/v1/locks/:name").handler(LockRoutes::notYet);
        r.route(HttpMethod.GET, "/v1/locks/:name/state").handler(LockRoutes::notYet);
        r.route(HttpMethod.PUT, "/v1/locks/:name/state").handler(LockRoutes::notYet);
    }

    private static void notYet(RoutingContext rc) {
        Bodies.refuse(rc, new SpoolException(ErrorCode.NOT_IMPLEMENTED, "locks are not available in this version"));
    }
}
