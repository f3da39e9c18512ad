package dev.spool.server.security;

import java.util.function.BiConsumer;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.SpoolException;
import dev.spool.server.security.Permission.Action;

/**
 * The route-level check, run for every request before any route: authenticates (401) and, from
 * the method and the normalized path alone, requires the permission the route needs (403), so a
 * refusal is decided before storage is read and says nothing about what exists. Routes whose
 * needs depend on the body ({@code /v1/tx}, the {@code /v1/stream} frames, a queue's dead-letter
 * target, the queue list) check the rest themselves through {@link Security}.
 *
 * <p>The table, by path (q a queue, n a lock):
 * <pre>
 * /healthz /readyz           open if open-health, else any identity
 * /metrics                   open if open-metrics, else admin:*
 * GET /v1/queues             any identity (the reply lists only queues it holds a grant on)
 * GET /v1/queues/q           any grant on q
 * PUT|DELETE /v1/queues/q, POST .../purge, PUT|DELETE .../groups/g     admin on q
 * POST .../messages          produce on q
 * GET .../messages/{id}      produce or consume on q (a producer may wait for its task's result)
 * GET .../messages, POST .../pop|ack|nack|extend|redrive, GET .../groups[/g]   consume on q
 * /v1/locks/n...             lock on n
 * /v1/tokens...              admin:*
 * /v1/tx, /v1/stream         any identity (each op and frame is checked)
 * anything else              admin:*
 * </pre>
 * SQS requests ({@code POST /} or {@code POST /<account>/<queue>} with an {@code AmazonSQS.} target
 * or a form body) never reach this handler: the SQS endpoint, mounted before it, authenticates
 * them by their signatures and checks each action's permission itself.
 */
public final class AuthHandler implements Handler<RoutingContext> {
    private final Security security;
    private final BiConsumer<RoutingContext, SpoolException> refuse;

    /**
     * @param security the checks
     * @param refuse sends an error reply for a refused request
     */
    public AuthHandler(Security security, BiConsumer<RoutingContext, SpoolException> refuse) {
        this.security = security;
        this.refuse = refuse;
    }

    @Override
    public void handle(RoutingContext rc) {
        if (!security.enabled()) {
            rc.next();
            return;
        }
        String path = rc.normalizedPath();
        SecurityConfig c = security.config();
        if (("/healthz".equals(path) || "/readyz".equals(path)) && c.openHealth()
                || "/metrics".equals(path) && c.openMetrics() || "/ui".equals(path) || path.startsWith("/ui/")) {
            rc.next();
            return;
        }
        try {
            Principal p = security.authenticate(rc.request());
            rc.put(Security.PRINCIPAL, p);
            check(p, rc.request().method(), path);
        } catch (SpoolException e) {
            if (e.code() == dev.spool.api.ErrorCode.UNAUTHORIZED) {
                rc.response().putHeader("WWW-Authenticate", "Bearer realm=\"spool\"");
            }
            refuse.accept(rc, e);
            return;
        }
        rc.next();
    }

    /** Requires what the route of {@code method path} needs. */
    static void check(Principal p, HttpMethod method, String path) {
        String[] s = path.split("/", -1);
        int n = s.length;
        if ("/healthz".equals(path) || "/readyz".equals(path) || "/v1/tx".equals(path) || "/v1/stream".equals(path)
                || "/v1/queues".equals(path)) {
            return;
        }
        if ("/ui".equals(path) || path.startsWith("/ui/")) {
            return; // the dashboard's own static files: no data; every call they make carries the token
        }
        if ("/metrics".equals(path) || path.startsWith("/v1/tokens")) {
            Security.requireEverywhere(p, Action.ADMIN);
            return;
        }
        if (n >= 4 && "v1".equals(s[1]) && "locks".equals(s[2]) && !s[3].isEmpty()) {
            Security.require(p, Action.LOCK, "lock", s[3]);
            return;
        }
        if (n >= 4 && "v1".equals(s[1]) && "queues".equals(s[2]) && !s[3].isEmpty()) {
            queue(p, method, s[3], n > 4 ? s[4] : "", n > 5);
            return;
        }
        Security.requireEverywhere(p, Action.ADMIN);
    }

    private static void queue(Principal p, HttpMethod method, String q, String sub, boolean deeper) {
        boolean get = method == HttpMethod.GET;
        switch (sub) {
            case "" -> {
                if (get) {
                    if (!p.sees(q)) {
                        throw Security.forbidden("any access to queue '" + q + "'");
                    }
                } else {
                    Security.require(p, Action.ADMIN, "queue", q);
                }
            }
            case "purge" -> Security.require(p, Action.ADMIN, "queue", q);
            case "messages" -> {
                if (!get) {
                    Security.require(p, Action.PRODUCE, "queue", q);
                } else if (deeper && !p.allows(Action.PRODUCE, q)) {
                    Security.require(p, Action.CONSUME, "queue", q);
                } else if (!deeper) {
                    Security.require(p, Action.CONSUME, "queue", q);
                }
            }
            case "groups" -> Security.require(p, get ? Action.CONSUME : Action.ADMIN, "queue", q);
            // a push group makes the server call out: configuring one is an administrator's act
            case "push" -> Security.require(p, get ? Action.CONSUME : Action.ADMIN, "queue", q);
            default -> Security.require(p, Action.CONSUME, "queue", q);
        }
    }
}
