package dev.spool.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpMethod;

import dev.spool.api.LockChecks;
import dev.spool.api.LockFence;
import dev.spool.api.LockHolder;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Names;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/**
 * The lock calls of {@link SpoolClient} over HTTP: JSON bodies for acquire, keepalive and release,
 * the state document as a raw body with the fence in {@code Spool-Lease-Id} and
 * {@code Spool-Lock-Token} (a file payload is streamed from disk), and the replies read back into
 * the SPI's records.
 *
 * <p>A waiting acquire is cancellable: cancelling its future resets the request, the server takes
 * the waiter out of the line, and a lease granted at that same moment is released.
 */
final class LockCalls {
    private final Transport t;

    LockCalls(Transport transport) {
        this.t = transport;
    }

    static String path(String name) {
        return "/v1/locks/" + Names.checkLock(name, "lock");
    }

    CompletableFuture<LockLease> acquire(String name, LockRequest r) {
        String uri = path(name) + "/acquire";
        Buffer body = JsonCodec.write(g -> {
            g.writeStartObject();
            g.writeStringField("owner", r.owner());
            g.writeNumberField("ttl_ms", r.ttlMs());
            g.writeNumberField("wait_ms", r.waitMs());
            g.writeEndObject();
        });
        CompletableFuture<LockLease> result = new CompletableFuture<>();
        CompletableFuture<Transport.Reply> call = t.sendCancellable(HttpMethod.POST, uri, body, r.waitMs());
        result.whenComplete((v, e) -> {
            if (result.isCancelled()) {
                call.cancel(false);
            }
        });
        call.whenComplete((reply, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
                return;
            }
            LockLease lease;
            try {
                lease = lease(JsonCodec.read(reply.body()));
            } catch (RuntimeException x) {
                result.completeExceptionally(x);
                return;
            }
            if (!result.complete(lease)) {
                // cancelled while the grant was on its way: nobody will use it, free it for the next
                release(name, lease.fence());
            }
        });
        return result;
    }

    CompletionStage<LockLease> keepalive(String name, LockFence f, long ttlMs) {
        return json(HttpMethod.POST, path(name) + "/keepalive", JsonCodec.write(g -> {
            g.writeStartObject();
            g.writeStringField("lease_id", f.leaseId());
            g.writeNumberField("token", f.token());
            g.writeNumberField("ttl_ms", ttlMs);
            g.writeEndObject();
        })).thenApply(LockCalls::lease);
    }

    CompletionStage<Void> release(String name, LockFence f) {
        return json(HttpMethod.POST, path(name) + "/release", JsonCodec.write(g -> {
            g.writeStartObject();
            g.writeStringField("lease_id", f.leaseId());
            g.writeNumberField("token", f.token());
            g.writeEndObject();
        })).thenApply(n -> null);
    }

    CompletionStage<LockInfo> get(String name) {
        return json(HttpMethod.GET, path(name), null).thenApply(LockCalls::info);
    }

    CompletionStage<List<LockInfo>> list(String prefix, String after, int limit) {
        LockChecks.list(prefix, after, limit);
        String uri = "/v1/locks?limit=" + limit + (prefix.isEmpty() ? "" : "&prefix=" + SpoolClient.enc(prefix))
                + (after.isEmpty() ? "" : "&after=" + SpoolClient.enc(after));
        return json(HttpMethod.GET, uri, null).thenApply(n -> {
            List<LockInfo> out = new ArrayList<>();
            for (JsonNode i : n.path("locks")) {
                out.add(info(i));
            }
            return out;
        });
    }

    CompletionStage<LockState> state(String name) {
        return t.send(HttpMethod.GET, path(name) + "/state", null, null, Map.of(), 0).thenApply(r -> {
            MultiMap h = r.headers();
            String ct = h.get("Content-Type");
            LockStateInfo info = new LockStateInfo(num(h, "Spool-Lock-Version"), ct == null ? "" : ct,
                    r.body().length(), num(h, "Spool-Lock-Updated-At"), num(h, "Spool-Lock-Writer-Token"));
            return new LockState(info, Payload.of(r.body().getBytes()));
        });
    }

    /** Streams the document into {@code target}; its description comes from the reply's headers. */
    CompletionStage<LockStateInfo> stateTo(String name, java.nio.file.Path target) {
        return t.download(path(name) + "/state", target).thenApply(r -> {
            MultiMap h = r.headers();
            String ct = h.get("Content-Type");
            long size;
            try {
                size = java.nio.file.Files.size(target);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return new LockStateInfo(num(h, "Spool-Lock-Version"), ct == null ? "" : ct, size,
                    num(h, "Spool-Lock-Updated-At"), num(h, "Spool-Lock-Writer-Token"));
        });
    }

    CompletionStage<LockStateInfo> putState(String name, LockStateWrite w) {
        LockChecks.write(name, w);
        Map<String, String> h = fenceHeaders(w.fence(), w.ifVersion());
        String uri = path(name) + "/state";
        Payload p = w.payload();
        CompletableFuture<Transport.Reply> sent;
        if (p instanceof Payload.FileRegion f) {
            h.put("Content-Type", w.contentType());
            sent = new CompletableFuture<>();
            CompletableFuture<Transport.Reply> out = sent;
            t.vertx().fileSystem().open(f.file().toString(), new OpenOptions().setRead(true)).onComplete(ar -> {
                if (ar.failed()) {
                    out.completeExceptionally(SpoolException.invalid("payload", "cannot read " + f.file()));
                    return;
                }
                var file = ar.result().setReadPos(f.offset()).setReadLength(f.size());
                t.sendStream(HttpMethod.PUT, uri, file, f.size(), h).whenComplete((r, e) -> {
                    file.close();
                    if (e != null) {
                        out.completeExceptionally(e);
                    } else {
                        out.complete(r);
                    }
                });
            });
        } else {
            sent = t.send(HttpMethod.PUT, uri, Buffer.buffer(p.toBytes()), w.contentType(), h, 0);
        }
        return sent.thenApply(r -> stateInfo(JsonCodec.read(r.body())));
    }

    CompletionStage<Void> deleteState(String name, LockFence f, OptionalLong ifVersion) {
        LockChecks.fence(name, f);
        LockChecks.ifVersion(ifVersion);
        return t.send(HttpMethod.DELETE, path(name) + "/state", null, null, fenceHeaders(f, ifVersion), 0)
                .thenApply(r -> null);
    }

    private static Map<String, String> fenceHeaders(LockFence f, OptionalLong ifVersion) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Spool-Lease-Id", f.leaseId());
        h.put("Spool-Lock-Token", Long.toString(f.token()));
        if (ifVersion.isPresent()) {
            h.put("Spool-If-Version", Long.toString(ifVersion.getAsLong()));
        }
        return h;
    }

    private CompletionStage<JsonNode> json(HttpMethod method, String uri, Buffer body) {
        return t.send(method, uri, body, body == null ? null : "application/json", Map.of(), 0)
                .thenApply(r -> JsonCodec.read(r.body()));
    }

    private static long num(MultiMap h, String name) {
        String v = h.get(name);
        try {
            return v == null ? 0 : Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static LockLease lease(JsonNode n) {
        return new LockLease(n.path("name").asText(), n.path("lease_id").asText(), n.path("token").asLong(),
                n.path("owner").asText(), n.path("expires_at").asLong());
    }

    static LockInfo info(JsonNode n) {
        JsonNode h = n.path("holder");
        Optional<LockHolder> holder = h.isObject() ? Optional.of(new LockHolder(h.path("owner").asText(),
                h.path("token").asLong(), h.path("acquired_at").asLong(), h.path("expires_at").asLong()))
                : Optional.empty();
        JsonNode s = n.path("state");
        return new LockInfo(n.path("name").asText(), holder, n.path("last_token").asLong(), n.path("waiters").asInt(),
                s.isObject() ? Optional.of(stateInfo(s)) : Optional.empty());
    }

    static LockStateInfo stateInfo(JsonNode s) {
        return new LockStateInfo(s.path("version").asLong(), s.path("content_type").asText(), s.path("size").asLong(),
                s.path("updated_at").asLong(), s.path("token").asLong());
    }
}
