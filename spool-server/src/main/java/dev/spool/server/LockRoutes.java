package dev.spool.server;

import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.vertx.core.Context;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.ErrorCode;
import dev.spool.api.LockChecks;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.SpoolException;

/**
 * The lock routes of DESIGN §3: acquire (waiting in line up to {@code wait_ms}), keepalive,
 * release, one lock's public view and the list by prefix. The state document's routes are
 * {@link LockStateRoutes}.
 *
 * <p>A waiting acquire is the broker's wait, never a polling loop here. When the client goes away
 * while waiting, the stage is cancelled, which withdraws the waiter from the line; a lease granted
 * at that same moment, to a client that can no longer learn it, is released at once so the next
 * waiter is not kept waiting for its expiry.
 */
final class LockRoutes {
    /** Locks one list returns unless {@code limit} says otherwise. */
    static final int DEFAULT_LIST = 100;
    /** Most locks one list returns. */
    static final int MAX_LIST = LockChecks.MAX_LIST;

    private final Api api;

    LockRoutes(Api api) {
        this.api = api;
    }

    void register(Router r) {
        // most frequent first (public state reads, then a cycle's calls): each route tried is a regex match
        new LockStateRoutes(api).register(r);
        r.route(HttpMethod.POST, "/v1/locks/:name/acquire").handler(this::acquire);
        r.route(HttpMethod.POST, "/v1/locks/:name/release").handler(this::release);
        r.route(HttpMethod.POST, "/v1/locks/:name/keepalive").handler(this::keepalive);
        r.route(HttpMethod.GET, "/v1/locks/:name").handler(this::get);
        r.route(HttpMethod.GET, "/v1/locks").handler(this::list);
    }

    private void acquire(RoutingContext rc) {
        String name = LockCodec.name(rc);
        Params.none(rc);
        Bodies.readJson(api, rc, body -> {
            LockRequest[] req = new LockRequest[1];
            Bodies.parse(body, in -> req[0] = LockCodec.readAcquire(in));
            acquire(rc, name, req[0]);
        });
    }

    private void acquire(RoutingContext rc, String name, LockRequest req) {
        Context ctx = api.vertx.getOrCreateContext();
        CompletableFuture<LockLease> stage = api.broker.acquireLock(name, req).toCompletableFuture();
        boolean waits = req.waitMs() > 0;
        if (waits) {
            api.state.waiting(true);
            // the exchange ended (normally, or the client went away): a waiter still in line leaves it
            rc.addEndHandler(ar -> stage.cancel(false));
        }
        Api.on(ctx, stage, (lease, e) -> {
            if (waits) {
                api.state.waiting(false);
            }
            if (e != null) {
                if (!(Errors.unwrap(e) instanceof CancellationException)) {
                    refused(rc, name, e);
                }
                return;
            }
            if (rc.response().closed() || rc.response().ended()) {
                api.broker.releaseLock(name, lease.fence());
                return;
            }
            api.metrics.locks().acquired.increment();
            Api.json(rc.response(), 200, Json.render(g -> LockCodec.writeLease(g, lease)));
        });
    }

    /** Sends a lock refusal; a {@code lock_held} one names the holder and until when. */
    private void refused(RoutingContext rc, String name, Throwable e) {
        SpoolException s = Errors.toSpool(e);
        if (s.code() != ErrorCode.LOCK_HELD) {
            countRefusal(s);
            Errors.send(rc.response(), s);
            return;
        }
        api.metrics.locks().held.increment();
        Api.on(api.vertx.getOrCreateContext(), api.broker.getLock(name), (info, x) -> {
            if (x != null || info.holder().isEmpty()) {
                Errors.send(rc.response(), s);
            } else {
                Api.json(rc.response(), s.code().httpStatus(),
                        Json.render(g -> LockCodec.writeHeld(g, s, info.holder().get())));
            }
        });
    }

    private void countRefusal(SpoolException s) {
        if (s.code() == ErrorCode.STALE_LEASE) {
            api.metrics.locks().stale.increment();
        }
    }

    private void keepalive(RoutingContext rc) {
        String name = LockCodec.name(rc);
        Params.none(rc);
        Bodies.readJson(api, rc, body -> {
            LockCodec.FenceBody[] req = new LockCodec.FenceBody[1];
            Bodies.parse(body, in -> req[0] = LockCodec.readFence(in, true));
            api.reply(rc, counted(api.broker.keepaliveLock(name, req[0].fence(), req[0].ttlMs())),
                    lease -> Api.json(rc.response(), 200, Json.render(g -> LockCodec.writeLease(g, lease))));
        });
    }

    private void release(RoutingContext rc) {
        String name = LockCodec.name(rc);
        Params.none(rc);
        Bodies.readJson(api, rc, body -> {
            LockCodec.FenceBody[] req = new LockCodec.FenceBody[1];
            Bodies.parse(body, in -> req[0] = LockCodec.readFence(in, false));
            api.reply(rc, counted(api.broker.releaseLock(name, req[0].fence())), v -> {
                api.metrics.locks().released.increment();
                Api.noContent(rc.response());
            });
        });
    }

    /** The stage, with a stale fence counted when it fails so. */
    private <T> CompletionStage<T> counted(CompletionStage<T> stage) {
        return stage.whenComplete((v, e) -> {
            if (e != null) {
                countRefusal(Errors.toSpool(e));
            }
        });
    }

    private void get(RoutingContext rc) {
        String name = LockCodec.name(rc);
        Params.none(rc);
        api.reply(rc, api.broker.getLock(name),
                info -> Api.json(rc.response(), 200, Json.render(g -> LockCodec.writeInfo(g, info))));
    }

    private void list(RoutingContext rc) {
        Params.allow(rc, Set.of("prefix", "after", "limit"));
        String prefix = Params.text(rc, "prefix", "");
        String after = Params.text(rc, "after", "");
        int limit = (int) Params.number(rc, "limit", DEFAULT_LIST, 1, MAX_LIST);
        LockChecks.list(prefix, after, limit);
        api.reply(rc, api.broker.listLocks(prefix, after, limit),
                locks -> Api.json(rc.response(), 200, Json.render(g -> LockCodec.writeList(g, locks, limit))));
    }
}
