package dev.spool.server.push;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import dev.spool.api.Broker;
import dev.spool.api.ErrorCode;
import dev.spool.api.LockFence;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Names;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/**
 * Named endpoint sets of fleet pushes: up to {@value FleetRequest#MAX_ENDPOINTS} URLs under a name,
 * stored as the state document of lock {@code spool.fleet-set.<name>} (durable and shared by every
 * server of a database like any lock state; a write takes the lock for its duration, so two writers
 * of one set do not interleave).
 */
public final class FleetSets {
    /** Lock name prefix of endpoint sets. */
    public static final String PREFIX = "spool.fleet-set.";
    private static final String OWNER = "spool-fleet-sets";
    private static final long WRITE_TTL_MS = 30_000;
    private static final int MAX_SETS = 1_000;

    private final Broker broker;

    FleetSets(Broker broker) {
        this.broker = broker;
    }

    /** Stores (creates or replaces) a set from {@code {"endpoints": [urls]}}; answers its description. */
    public CompletionStage<JsonObject> put(String name, String body) {
        List<URI> urls;
        try {
            check(name);
            JsonObject o = new JsonObject(body);
            for (String f : o.fieldNames()) {
                if (!f.equals("endpoints")) {
                    throw SpoolException.invalid(f, "unknown field '" + f + "'");
                }
            }
            urls = FleetRequest.urls(o.getValue("endpoints"), "endpoints");
        } catch (DecodeException | ClassCastException e) {
            return CompletableFuture.failedFuture(SpoolException.invalid("", "an endpoint set is a JSON object"));
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        JsonArray a = new JsonArray();
        urls.forEach(u -> a.add(u.toString()));
        byte[] doc = new JsonObject().put("endpoints", a).toBuffer().getBytes();
        return locked(name, fence -> broker.putLockState(PREFIX + name, new LockStateWrite(fence, Payload.of(doc),
                "application/json", OptionalLong.empty())).thenApply(info -> describe(name, urls.size())
                .put("version", info.version())));
    }

    /** A set's endpoints; {@code not_found} when there is no such set. */
    public CompletionStage<JsonObject> get(String name) {
        return urls(name).thenApply(us -> {
            JsonArray a = new JsonArray();
            us.forEach(u -> a.add(u.toString()));
            return describe(name, us.size()).put("endpoints", a);
        });
    }

    /** Deletes a set; {@code not_found} when there is none. */
    public CompletionStage<Void> delete(String name) {
        return urls(name).thenCompose(us -> locked(name, fence -> broker.deleteLockState(PREFIX + name, fence,
                OptionalLong.empty())));
    }

    /** The names of the stored sets and their sizes (in bytes of the stored document). */
    public CompletionStage<JsonArray> list() {
        return broker.listLocks(PREFIX, "", MAX_SETS).thenApply(locks -> {
            JsonArray out = new JsonArray();
            for (LockInfo l : locks) {
                l.state().ifPresent(s -> out.add(new JsonObject().put("name", l.name().substring(PREFIX.length()))
                        .put("version", s.version()).put("bytes", s.size())));
            }
            return out;
        });
    }

    /** The URLs of a set, for a fleet push naming it. */
    CompletionStage<List<URI>> urls(String name) {
        try {
            check(name);
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        return broker.getLockState(PREFIX + name).handle((st, e) -> {
            if (e != null) {
                Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (c instanceof SpoolException se && (se.code() == ErrorCode.NOT_FOUND
                        || se.code() == ErrorCode.LOCK_NOT_FOUND)) {
                    throw SpoolException.withField(ErrorCode.NOT_FOUND, "endpoint_set", "no endpoint set '" + name
                            + "'");
                }
                throw c instanceof RuntimeException re ? re : new CompletionException(c);
            }
            JsonArray a = new JsonObject(new String(st.payload().toBytes(), StandardCharsets.UTF_8))
                    .getJsonArray("endpoints");
            List<URI> out = new ArrayList<>(a.size());
            for (int i = 0; i < a.size(); i++) {
                out.add(URI.create(a.getString(i)));
            }
            return out;
        });
    }

    private <T> CompletionStage<T> locked(String name, Function<LockFence, CompletionStage<T>> body) {
        String lock = PREFIX + name;
        return broker.acquireLock(lock, new LockRequest(OWNER, WRITE_TTL_MS, 10_000)).thenCompose(lease -> {
            LockFence fence = new LockFence(lease.leaseId(), lease.token());
            return body.apply(fence).handle((v, e) -> release(lock, lease).thenApply(x -> {
                if (e != null) {
                    throw e instanceof CompletionException ce ? ce : new CompletionException(e);
                }
                return v;
            })).thenCompose(Function.identity());
        });
    }

    private CompletionStage<Void> release(String lock, LockLease lease) {
        return broker.releaseLock(lock, new LockFence(lease.leaseId(), lease.token())).exceptionally(e -> null);
    }

    private static void check(String name) {
        if (!Names.isValid(name) || (PREFIX + name).length() > Names.MAX_NAME_LENGTH) {
            throw SpoolException.invalid("name", "an endpoint set name is 1-" + (Names.MAX_NAME_LENGTH
                    - PREFIX.length()) + " characters of [A-Za-z0-9._-]");
        }
    }

    private static JsonObject describe(String name, int count) {
        return new JsonObject().put("name", name).put("count", count);
    }
}
