package dev.spool.embedded;

import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;

import dev.spool.api.BrokerLimits;
import dev.spool.api.ErrorCode;
import dev.spool.api.LockChecks;
import dev.spool.api.LockFence;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Names;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.api.crypto.RandomBytes;

/**
 * The caller's side of the lock calls of {@link EmbeddedBroker}: input checks, lease ids drawn
 * from {@link RandomBytes}, a CSPRNG (so the engine stays deterministic), state payloads prepared off the
 * engine thread (read onto the heap in memory mode; in journal mode read through once for their
 * CRC32C so that the engine splices them into the journal without reading them), and the
 * withdrawal of an acquire whose stage the caller cancelled.
 */
final class LockCalls {
    private final Consumer<Command> submit;
    private final BrokerLimits limits;
    private final boolean durable;
    private final Supplier<PublishedStates> published;

    LockCalls(Consumer<Command> submit, BrokerLimits limits, boolean durable, Supplier<PublishedStates> published) {
        this.submit = submit;
        this.limits = limits;
        this.durable = durable;
        this.published = published;
    }

    private static <T> CompletableFuture<T> fail(RuntimeException e) {
        return CompletableFuture.failedFuture(e);
    }

    private <T> CompletionStage<T> send(CompletableFuture<T> f, Command c) {
        submit.accept(c);
        return f;
    }

    static String newLeaseId() {
        return HexFormat.of().formatHex(RandomBytes.take(16));
    }

    CompletionStage<LockLease> acquire(String name, LockRequest request) {
        try {
            LockChecks.acquire(name, request, limits);
        } catch (SpoolException e) {
            return fail(e);
        }
        String leaseId = newLeaseId();
        CompletableFuture<LockLease> f = new CompletableFuture<>();
        f.whenComplete((lease, error) -> {
            if (f.isCancelled()) {
                submit.accept(new Command.CancelAcquire(name, leaseId, new CompletableFuture<>()));
            }
        });
        return send(f, new Command.AcquireLock(name, leaseId, request, f));
    }

    CompletionStage<LockLease> keepalive(String name, LockFence fence, long ttlMs) {
        try {
            LockChecks.fence(name, fence);
            LockChecks.ttl(ttlMs);
        } catch (SpoolException e) {
            return fail(e);
        }
        CompletableFuture<LockLease> f = new CompletableFuture<>();
        return send(f, new Command.KeepaliveLock(name, fence, ttlMs, f));
    }

    CompletionStage<Void> release(String name, LockFence fence) {
        try {
            LockChecks.fence(name, fence);
        } catch (SpoolException e) {
            return fail(e);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        return send(f, new Command.ReleaseLock(name, fence, f));
    }

    CompletionStage<LockInfo> get(String name) {
        try {
            Names.checkLock(name, "lock");
        } catch (SpoolException e) {
            return fail(e);
        }
        CompletableFuture<LockInfo> f = new CompletableFuture<>();
        return send(f, new Command.GetLock(name, f));
    }

    CompletionStage<List<LockInfo>> list(String prefix, String after, int limit) {
        try {
            LockChecks.list(prefix, after, limit);
        } catch (SpoolException e) {
            return fail(e);
        }
        CompletableFuture<List<LockInfo>> f = new CompletableFuture<>();
        return send(f, new Command.ListLocks(prefix, after, limit, f));
    }

    CompletionStage<LockState> getState(String name) {
        try {
            Names.checkLock(name, "lock");
        } catch (SpoolException e) {
            return fail(e);
        }
        PublishedStates states = published.get();
        Optional<LockState> known = states.read(name);
        if (known != null) {
            return known.isPresent() ? CompletableFuture.completedFuture(known.get())
                    : fail(new SpoolException(ErrorCode.NOT_FOUND, "lock " + name + " has no state"));
        }
        CompletableFuture<LockState> f = new CompletableFuture<>();
        // what the engine answered is durable (its reply waited for that): it warms the published map
        f.thenAccept(s -> states.written(name, s.info(), s.payload()));
        return send(f, new Command.GetLockState(name, f));
    }

    CompletionStage<LockStateInfo> putState(String name, LockStateWrite write) {
        LockStateWrite w;
        try {
            LockChecks.write(name, write);
            w = durable ? checked(write) : inlined(write);
        } catch (SpoolException e) {
            return fail(e);
        }
        CompletableFuture<LockStateInfo> f = new CompletableFuture<>();
        return send(f, new Command.PutLockState(name, w, f));
    }

    CompletionStage<Void> deleteState(String name, LockFence fence, OptionalLong ifVersion) {
        try {
            LockChecks.fence(name, fence);
            LockChecks.ifVersion(ifVersion);
        } catch (SpoolException e) {
            return fail(e);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        return send(f, new Command.DeleteLockState(name, fence, ifVersion, f));
    }

    /** Memory mode keeps state on the heap: a streamed document is read now, on the caller's thread. */
    static LockStateWrite inlined(LockStateWrite w) {
        if (!(w.payload() instanceof Payload.Streamed s)) {
            return w;
        }
        try {
            return new LockStateWrite(w.fence(), Payload.of(s.toBytes()), w.contentType(), w.ifVersion());
        } catch (UncheckedIOException | IllegalStateException e) {
            throw SpoolException.withField(ErrorCode.BAD_REQUEST, "state", "the state could not be read: "
                    + e.getMessage());
        }
    }

    /** Journal mode: a streamed document's CRC32C is computed here, so the engine never reads it. */
    static LockStateWrite checked(LockStateWrite w) {
        if (!(w.payload() instanceof Payload.Streamed s) || s instanceof EntryCodec.Checked) {
            return w;
        }
        try {
            return new LockStateWrite(w.fence(), new EntryCodec.Checked(s, EntryCodec.crcOf(s)), w.contentType(),
                    w.ifVersion());
        } catch (UncheckedIOException e) {
            throw SpoolException.withField(ErrorCode.BAD_REQUEST, "state", "the state could not be read: "
                    + e.getMessage());
        }
    }
}
