package dev.spool.server;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.ErrorCode;
import dev.spool.api.LockChecks;
import dev.spool.api.LockFence;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.SpoolException;
import dev.spool.api.Validation;

/**
 * A lock's state document over HTTP: {@code GET} returns its bytes as the body with their content
 * type, {@code Spool-Lock-Version} and {@code ETag}; {@code PUT} takes the body as raw bytes of any
 * content type, with the holder's fence in {@code Spool-Lease-Id} and {@code Spool-Lock-Token} and
 * an optional expected version in {@code If-Match: "<version>"} or {@code Spool-If-Version};
 * {@code DELETE} takes the same headers.
 *
 * <p>Large documents never sit whole on the heap: a write is received by {@link RawUpload} (spooled
 * to a file past {@code spool-threshold-bytes}) and a read is sent by {@link RawPop#body} (zero-copy
 * from the journal, or copied off the event loop).
 */
final class LockStateRoutes {
    /** Largest state document. */
    static final long MAX_STATE_BYTES = LockChecks.MAX_STATE_BYTES;
    private static final String OCTET_STREAM = "application/octet-stream";

    private final Api api;

    LockStateRoutes(Api api) {
        this.api = api;
    }

    void register(Router r) {
        r.route(HttpMethod.GET, "/v1/locks/:name/state").handler(this::get);
        r.route(HttpMethod.PUT, "/v1/locks/:name/state").handler(this::put);
        r.route(HttpMethod.DELETE, "/v1/locks/:name/state").handler(this::delete);
    }

    private void get(RoutingContext rc) {
        String name = LockCodec.name(rc);
        Params.none(rc);
        String ifNoneMatch = rc.request().getHeader("If-None-Match");
        api.reply(rc, api.broker.getLockState(name), state -> {
            HttpServerResponse resp = rc.response();
            if (resp.ended() || resp.closed()) {
                return;
            }
            LockStateInfo info = state.info();
            String etag = LockCodec.etag(info.version());
            resp.putHeader("ETag", etag)
                    .putHeader(LockCodec.VERSION, Long.toString(info.version()))
                    .putHeader("Spool-Lock-Updated-At", Long.toString(info.updatedAt()))
                    .putHeader("Spool-Lock-Writer-Token", Long.toString(info.token()));
            if (etag.equals(ifNoneMatch)) {
                resp.setStatusCode(304).end();
                return;
            }
            resp.setStatusCode(200).putHeader("Content-Type", info.contentType());
            RawPop.body(api, rc, state.payload());
        });
    }

    private void put(RoutingContext rc) {
        HttpServerRequest req = rc.request();
        req.pause();
        String name;
        LockFence fence;
        OptionalLong ifVersion;
        String contentType;
        long declared;
        try {
            name = LockCodec.name(rc);
            Params.none(rc);
            fence = LockCodec.fence(req.headers());
            ifVersion = LockCodec.ifVersion(req.headers());
            contentType = contentType(req.getHeader("Content-Type"));
            declared = Bodies.contentLength(req);
        } catch (SpoolException e) {
            Bodies.refuse(rc, e);
            return;
        }
        RawUpload.receive(api, rc, declared, MAX_STATE_BYTES, () -> SpoolException.withField(
                ErrorCode.PAYLOAD_TOO_LARGE, "state", "a lock state document is at most " + MAX_STATE_BYTES + " bytes"),
                (payload, file) -> write(rc, name, new LockStateWrite(fence, payload, contentType, ifVersion), file));
    }

    private void write(RoutingContext rc, String name, LockStateWrite w, Optional<Path> file) {
        CompletionStage<LockStateInfo> written = api.broker.putLockState(name, w);
        written.whenComplete((v, e) -> file.ifPresent(f -> RawUpload.delete(api, f)));
        api.reply(rc, counted(written), info -> {
            api.metrics.locks().stateWrites.increment();
            Api.json(rc.response(), 200, Json.render(g -> LockCodec.writeStateInfo(g, info)));
        });
    }

    private void delete(RoutingContext rc) {
        String name = LockCodec.name(rc);
        Params.none(rc);
        LockFence fence = LockCodec.fence(rc.request().headers());
        OptionalLong ifVersion = LockCodec.ifVersion(rc.request().headers());
        api.reply(rc, counted(api.broker.deleteLockState(name, fence, ifVersion)), v -> Api.noContent(rc.response()));
    }

    private <T> CompletionStage<T> counted(CompletionStage<T> stage) {
        return stage.whenComplete((v, e) -> {
            if (e != null && Errors.toSpool(e).code() == ErrorCode.STALE_LEASE) {
                api.metrics.locks().stale.increment();
            }
        });
    }

    /** The document's content type: the request's, else {@code application/octet-stream}. */
    private static String contentType(String header) {
        if (header == null || header.isBlank()) {
            return OCTET_STREAM;
        }
        String ct = header.strip();
        if (ct.length() > Validation.MAX_CONTENT_TYPE_LENGTH) {
            throw SpoolException.invalid("content_type", "Content-Type has at most "
                    + Validation.MAX_CONTENT_TYPE_LENGTH + " characters");
        }
        return ct;
    }
}
