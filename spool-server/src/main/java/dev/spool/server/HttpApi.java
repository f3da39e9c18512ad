package dev.spool.server;

import java.util.Set;
import java.util.TreeSet;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;
import dev.spool.server.ui.Dashboard;
import dev.spool.server.security.AuthHandler;

/**
 * Builds the router of API v1: the {@link Gate} first, then every resource family, then the error
 * handlers that turn unmatched paths (404), wrong methods (405) and failures thrown by handlers
 * into the JSON error reply.
 */
final class HttpApi {
    private HttpApi() {
    }

    static Router router(Api api) {
        Router r = Router.router(api.vertx);
        r.route().handler(new Gate(api.state, api.metrics));
        // SQS requests authenticate with their own signatures, checked by the endpoint itself
        new SqsRoutes(api).register(r);
        r.route().handler(new AuthHandler(api.security, Bodies::refuse));
        // Vert.x tries routes in registration order and a route with a path parameter is a regular
        // expression matched against the path: the hot routes come first, so that a lock call, a
        // public state read or a transaction does not pay for ~35 queue, group and fleet patterns
        // tried before it (16 % of a state read's event-loop CPU). No two families share a path, so
        // the order changes which route answers nothing: 404 and 405 (with Allow) stay the same.
        new TxRoutes(api).register(r);
        new LockRoutes(api).register(r);
        new PushRoutes(api).register(r);
        new PopRoutes(api).register(r);
        new ReceiptRoutes(api).register(r);
        new QueueRoutes(api).register(r);
        new MessageRoutes(api).register(r);
        new GroupRoutes(api).register(r);
        new PushGroupRoutes(api).register(r);
        new FleetRoutes(api).register(r);
        new StreamRoutes(api).register(r);
        new OpsRoutes(api).register(r);
        new StatusRoutes(api).register(r);
        Dashboard.register(r);
        new TokenRoutes(api).register(r);
        r.errorHandler(404, rc -> Bodies.refuse(rc, failure(rc, new SpoolException(ErrorCode.NOT_FOUND,
                "no route for " + rc.request().method() + " " + safePath(rc)))));
        r.errorHandler(405, rc -> {
            rc.response().putHeader("Allow", String.join(", ", allowed(r, rc.request().path())));
            Bodies.refuse(rc, failure(rc, new SpoolException(ErrorCode.METHOD_NOT_ALLOWED,
                    rc.request().method() + " is not allowed on " + safePath(rc))));
        });
        for (int status : new int[] {400, 413, 415, 500}) {
            r.errorHandler(status, rc -> Bodies.refuse(rc, failure(rc, fromStatus(status))));
        }
        return r;
    }

    /** The failure a handler threw, if it is more precise than the status. */
    private static SpoolException failure(RoutingContext rc, SpoolException fallback) {
        Throwable t = rc.failure();
        if (t == null) {
            return fallback;
        }
        if (t instanceof io.vertx.ext.web.handler.HttpException h) {
            return fromStatus(h.getStatusCode());
        }
        return Errors.toSpool(t);
    }

    private static SpoolException fromStatus(int status) {
        return switch (status) {
            case 400 -> new SpoolException(ErrorCode.BAD_REQUEST, "malformed request");
            case 404 -> new SpoolException(ErrorCode.NOT_FOUND, "not found");
            case 405 -> new SpoolException(ErrorCode.METHOD_NOT_ALLOWED, "method not allowed");
            case 413 -> new SpoolException(ErrorCode.PAYLOAD_TOO_LARGE, "request too large");
            case 415 -> new SpoolException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "unsupported content type");
            default -> SpoolException.internal("internal error", null);
        };
    }

    private static String safePath(RoutingContext rc) {
        String p = rc.request().path();
        return p == null ? "" : p.length() > 200 ? p.substring(0, 200) + "..." : p;
    }

    /** Methods of the routes whose template matches {@code path}. */
    private static Set<String> allowed(Router r, String path) {
        Set<String> out = new TreeSet<>();
        for (Route route : r.getRoutes()) {
            if (route.getPath() != null && matches(route.getPath(), path) && route.methods() != null) {
                for (HttpMethod m : route.methods()) {
                    out.add(m.name());
                }
            }
        }
        return out;
    }

    private static boolean matches(String template, String path) {
        String[] t = template.split("/");
        String[] p = path.split("/");
        if (t.length != p.length) {
            return false;
        }
        for (int i = 0; i < t.length; i++) {
            if (!t[i].startsWith(":") && !t[i].equals(p[i])) {
                return false;
            }
        }
        return true;
    }
}
