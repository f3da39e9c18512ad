package dev.spool.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import dev.spool.api.AccessToken;
import dev.spool.api.AckRequest;
import dev.spool.api.Broker;
import dev.spool.api.BrokerSettings;
import dev.spool.api.BrowseRequest;
import dev.spool.api.Delivery;
import dev.spool.api.ErrorCode;
import dev.spool.api.ExtendRequest;
import dev.spool.api.GroupInfo;
import dev.spool.api.GroupSpec;
import dev.spool.api.Health;
import dev.spool.api.LockFence;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.MessageQuery;
import dev.spool.api.MessageView;
import dev.spool.api.NackRequest;
import dev.spool.api.Names;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.PopRequest;
import dev.spool.api.QueueConfig;
import dev.spool.api.QueueInfo;
import dev.spool.api.RedriveRequest;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;
import dev.spool.api.TxResult;
import dev.spool.api.Validation;
import dev.spool.api.WaitingPops;

/**
 * The PostgreSQL backend: any number of stateless Spool servers sharing one database.
 *
 * <p>Every operation is one call of a SQL function (see the {@code function} resources) on a
 * pooled connection, run off the caller's thread; the database holds all state, so servers can be
 * added, removed or killed at will. Pops lease with {@code FOR UPDATE SKIP LOCKED}; ended leases,
 * delays and TTLs are applied lazily by the next operation on the group (no reaper); waiting pops
 * are woken by {@code LISTEN/NOTIFY}. Times come from the database clock. When the database is
 * unreachable, calls fail at once with {@link ErrorCode#UNAVAILABLE} and the broker reconnects by
 * itself. See {@code docs/postgres.md}.
 */
public final class PostgresBroker implements Broker {
    private final BrokerSettings settings;
    private final Db db;
    private final Waiters waiters;
    private final Listener listener;
    private final Fusion fusion;
    private final ReceiptSigner signer;
    private final Locks locks;
    private final Ordering ordering = new Ordering();
    private final Maintenance maintenance;
    private volatile boolean closed;

    private PostgresBroker(PostgresConfig config, BrokerSettings settings, Db db, ReceiptSigner signer) {
        this.settings = settings;
        this.db = db;
        this.signer = signer;
        this.waiters = new Waiters(settings.limits().maxWaiters());
        this.locks = new Locks(db, waiters, settings.limits());
        this.listener = new Listener(db, waiters, locks.lines());
        this.fusion = new Fusion(db, signer);
        this.maintenance = new Maintenance(db, waiters, new Resealer(db, waiters, settings.atRest()));
    }

    /**
     * Connects, brings the schema to the current version (safe when several servers start at
     * once) and starts listening for notifications.
     *
     * @throws SpoolException {@link ErrorCode#UNAVAILABLE} when the database cannot be reached
     */
    public static PostgresBroker open(PostgresConfig config, BrokerSettings settings) {
        Db db = new Db(config, Codec.settingsGuc(settings));
        db.atRest = new AtRestRows(settings.atRest(), settings.queueDefaults().encrypted());
        ReceiptSigner signer;
        try (Connection c = db.open()) {
            Migrations.apply(c);
            db.atRest.loadEncrypted(c);
            signer = ReceiptSigner.load(c);
        } catch (SQLException e) {
            db.close();
            throw PgErrors.isConnectionLoss(e) ? PgErrors.unreachable(e) : PgErrors.map(e);
        }
        return new PostgresBroker(config, settings, db, signer);
    }

    /** The connection pool (tests check its sessions). */
    Db db() {
        return db;
    }

    /** The LISTEN connection's owner (tests check its session). */
    Listener listener() {
        return listener;
    }

    @Override
    public BrokerSettings settings() {
        return settings;
    }

    private <T> CompletionStage<T> run(Runnable validate, Db.Work<T> work) {
        try {
            checkOpen();
            validate.run();
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        return db.call(work);
    }

    private <T> CompletableFuture<T> run(String queue, Runnable validate, Db.Work<T> work) {
        try {
            checkOpen();
            validate.run();
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        return ordering.run(queue, false, () -> db.call(work));
    }

    private void checkOpen() {
        if (closed) {
            throw new SpoolException(ErrorCode.UNAVAILABLE, "the broker is closed");
        }
    }

    @Override
    public CompletionStage<QueueInfo> putQueue(String queue, QueueConfig config) {
        return run(queue, () -> {
            Names.checkQueue(queue, "queue");
            settings.atRest().check(config.validate());
        }, c -> {
            QueueOps.put(c, queue, config);
            db.atRest.known(queue, config.encrypted());
            return QueueOps.get(c, queue);
        });
    }

    @Override
    public CompletionStage<Set<String>> keysInUse(Set<String> ids) {
        return maintenance.resealer().inUse(ids);
    }

    @Override
    public CompletionStage<QueueInfo> getQueue(String queue) {
        return run(queue, () -> Names.checkQueue(queue, "queue"), c -> QueueOps.get(c, queue));
    }

    @Override
    public CompletionStage<List<QueueInfo>> listQueues() {
        return run(() -> { }, QueueOps::list);
    }

    @Override
    public CompletionStage<Void> deleteQueue(String queue) {
        return run(queue, () -> Names.checkQueue(queue, "queue"), c -> QueueOps.simple(c, "delete_queue", queue, null))
                .thenApply(v -> {
                    db.atRest.known(queue, false);
                    ordering.forget(queue);
                    signer.forget(queue, null);
                    waiters.queueDeleted(queue);
                    return null;
                });
    }

    @Override
    public CompletionStage<Long> purgeQueue(String queue) {
        return run(queue, () -> Names.checkQueue(queue, "queue"), c -> QueueOps.simple(c, "purge", queue, null));
    }

    @Override
    public CompletionStage<long[]> push(String queue, List<NewMessage> messages) {
        try {
            checkOpen();
            Names.checkQueue(queue, "queue");
            Validation.messages(messages, settings.limits(), "messages");
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        long start = System.nanoTime();
        boolean create = settings.autoCreateQueues();
        CompletableFuture<long[]> f = ordering.run(queue, create, () -> MessageOps.needsTx(messages)
                ? db.tx(c -> MessageOps.push(db, c, queue, create, messages))
                : fusion.push(queue, create, messages));
        return f.thenApply(ids -> {
            settings.instrumentation().onSync(System.nanoTime() - start, 0, 1);
            waiters.wakePops(queue);
            return ids;
        });
    }

    @Override
    public CompletionStage<List<Delivery>> pop(String queue, PopRequest request) {
        try {
            checkOpen();
            Names.checkQueue(queue, "queue");
            request.validate(settings.limits());
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        boolean create = false; // pops never create queues (docs/configuration.md, auto-create)
        if (request.waitMs() == 0) {
            return ordering.run(queue, create, () -> attempt(queue, request, create, false))
                    .thenApply(WaitingPop.Attempt::messages);
        }
        // registered before the first attempt: counts toward maxWaiters at once, and sees a deletion
        // of the queue that completes after this call
        boolean[] first = {true};
        CompletableFuture<List<Delivery>> waiting = new WaitingPop(waiters, queue, request.waitMs(), () -> {
            if (first[0]) {
                first[0] = false;
                return ordering.run(queue, create, () -> attempt(queue, request, create, true));
            }
            return attempt(queue, request, false, true);
        }).start();
        return WaitingPops.link(waiting, new CompletableFuture<>(), request.group(), r -> nack(queue, r));
    }

    private CompletableFuture<WaitingPop.Attempt> attempt(String queue, PopRequest r, boolean create, boolean due) {
        CompletableFuture<List<Delivery>> popped = fusion.pop(queue, r.group(), create, r.max(), r.visibilityMs());
        if (!due) {
            return popped.thenApply(list -> new WaitingPop.Attempt(list, -1));
        }
        return popped.thenCompose(list -> list.isEmpty()
                ? db.call(c -> new WaitingPop.Attempt(list, MessageOps.nextDueIn(c, queue, r.group())))
                : CompletableFuture.completedFuture(new WaitingPop.Attempt(list, -1)));
    }

    @Override
    public CompletionStage<Outcomes> ack(String queue, AckRequest request) {
        try {
            checkOpen();
            Names.checkQueue(queue, "queue");
            request.validate(settings.limits());
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Outcomes> f = ordering.run(queue, false, () -> request.result().isPresent()
                ? db.call(c -> MessageOps.ack(c, signer, queue, request.group(), request.receipts(),
                        request.result().map(r -> db.atRest.sealResult(queue, r))))
                : fusion.ack(queue, request.group(), request.receipts()));
        return f.thenApply(o -> {
            waiters.wakeTasks(queue);
            waiters.wakePops(queue);
            return o;
        });
    }

    @Override
    public CompletionStage<Outcomes> nack(String queue, NackRequest request) {
        return run(queue, () -> {
            Names.checkQueue(queue, "queue");
            request.validate(settings.limits());
        }, c -> MessageOps.nack(c, signer, queue, request.group(), request.receipts(), request.delayMs(),
                request.reason(), request.deadLetter()))
                .thenApply(o -> {
                    waiters.wakePops(queue);
                    waiters.wakeTasks(queue);
                    return o;
                });
    }

    @Override
    public CompletionStage<Outcomes> extend(String queue, ExtendRequest request) {
        return run(queue, () -> {
            Names.checkQueue(queue, "queue");
            request.validate(settings.limits());
        }, c -> MessageOps.extend(c, signer, queue, request.group(), request.receipts(), request.visibilityMs()));
    }

    @Override
    public CompletionStage<MessageView> getMessage(String queue, long id, MessageQuery query) {
        boolean now = query.waitMs() == 0 || closed;
        try {
            if (now) {
                checkOpen();
            }
            Names.checkQueue(queue, "queue");
            query.validate(settings.limits());
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        Supplier<CompletableFuture<ViewOps.Snapshot>> read = () -> db.call(c -> ViewOps.get(db, c, queue,
                query.group(), id));
        if (now) {
            // a barrier: an ack issued after this call must not overtake it
            return ordering.barrier(queue, read).thenApply(ViewOps.Snapshot::view);
        }
        boolean[] first = {true};
        return new WaitingTask(waiters, queue, query.waitMs(), () -> {
            if (first[0]) {
                first[0] = false;
                return ordering.barrier(queue, read);
            }
            return read.get();
        }).start();
    }

    @Override
    public CompletionStage<List<MessageView>> browse(String queue, BrowseRequest request) {
        return run(queue, () -> {
            Names.checkQueue(queue, "queue");
            request.validate(settings.limits());
        }, c -> ViewOps.browse(db, c, queue, request.group(), switch (request.state()) {
            case READY -> 0;
            case DELAYED -> 1;
            case IN_FLIGHT -> 3;
            default -> 5;
        }, request.limit(), request.afterId()));
    }

    @Override
    public CompletionStage<Long> redrive(String queue, RedriveRequest request) {
        return run(queue, () -> {
            Names.checkQueue(queue, "queue");
            request.validate(settings.limits());
        }, c -> ViewOps.redrive(c, queue, request.group(), request.limit(),
                request.ids())).thenApply(n -> {
            waiters.wakePops(queue);
            return n;
        });
    }

    @Override
    public CompletionStage<GroupInfo> putGroup(String queue, String group, GroupSpec spec) {
        return run(queue, () -> checkGroup(queue, group), c -> {
            // the default group's row exists (start earliest): this only checks the start
            QueueOps.putGroup(c, queue, group, spec.start(), settings.limits().maxGroupsPerQueue());
            QueueOps.setPush(c, queue, group, spec.push().orElse(null));
            return QueueOps.group(c, queue, group);
        }).thenApply(g -> {
            waiters.wakePops(queue);
            return g;
        });
    }

    private static void checkGroup(String queue, String group) {
        Names.checkQueue(queue, "queue");
        Names.checkGroup(group, "group");
    }

    private static void checkNamedGroup(String queue, String group) {
        checkGroup(queue, group);
        if (group.equals(DEFAULT_GROUP)) {
            throw SpoolException.invalid("group", "the default group always exists and cannot be deleted");
        }
    }

    @Override
    public CompletionStage<GroupInfo> getGroup(String queue, String group) {
        return run(queue, () -> checkGroup(queue, group), c -> QueueOps.group(c, queue, group));
    }

    @Override
    public CompletionStage<List<GroupInfo>> listGroups(String queue) {
        return run(queue, () -> Names.checkQueue(queue, "queue"), c -> QueueOps.groups(c, queue));
    }

    @Override
    public CompletionStage<Void> deleteGroup(String queue, String group) {
        return run(queue, () -> checkNamedGroup(queue, group), c -> QueueOps.simple(c, "delete_group", queue, group))
                .thenApply(v -> {
                    signer.forget(queue, group);
                    return null;
                });
    }

    @Override
    public CompletionStage<TxResult> transact(List<TxOp> ops) {
        try {
            checkOpen();
            Transactions.validate(ops, settings.limits());
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        java.util.Set<String> queues = new java.util.HashSet<>();
        for (TxOp op : ops) {
            if (op instanceof TxOp.OnQueue q) {
                queues.add(q.queue());
            }
        }
        return ordering.runAll(queues,
                () -> db.tx(c -> Transactions.apply(db, c, signer, ops, settings.autoCreateQueues(), locks)))
                .thenApply(r -> {
                    for (String q : queues) {
                        waiters.wakePops(q);
                        waiters.wakeTasks(q);
                    }
                    locks.committed(ops);
                    return r;
                });
    }

    @Override
    public CompletionStage<AccessToken> putToken(AccessToken token) {
        return run(() -> TokenOps.checkPut(token), c -> TokenOps.put(c, token));
    }

    @Override
    public CompletionStage<List<AccessToken>> listTokens() {
        return run(() -> { }, TokenOps::list);
    }

    @Override
    public CompletionStage<Void> revokeToken(String id) {
        return run(() -> TokenOps.checkId(id), c -> TokenOps.revoke(c, id));
    }

    @Override
    public CompletionStage<LockLease> acquireLock(String name, LockRequest request) {
        return locks.acquire(name, request);
    }

    @Override
    public CompletionStage<LockLease> keepaliveLock(String name, LockFence fence, long ttlMs) {
        return locks.keepalive(name, fence, ttlMs);
    }

    @Override
    public CompletionStage<Void> releaseLock(String name, LockFence fence) {
        return locks.release(name, fence);
    }

    @Override
    public CompletionStage<LockInfo> getLock(String name) {
        return locks.info(name);
    }

    @Override
    public CompletionStage<List<LockInfo>> listLocks(String prefix, String after, int limit) {
        return locks.list(prefix, after, limit);
    }

    @Override
    public CompletionStage<LockState> getLockState(String name) {
        return locks.state(name);
    }

    @Override
    public CompletionStage<LockStateInfo> putLockState(String name, LockStateWrite write) {
        return locks.putState(name, write);
    }

    @Override
    public CompletionStage<Void> deleteLockState(String name, LockFence fence, OptionalLong ifVersion) {
        return locks.deleteState(name, fence, ifVersion);
    }

    /** This server's lock waiters (tests). */
    int lockWaiters() {
        return locks.lines().size();
    }

    @Override
    public CompletionStage<Health> health() {
        if (closed) {
            return CompletableFuture.completedFuture(new Health(false, "closed"));
        }
        return db.health(listener.isConnected());
    }

    /** Fusion lanes that exist now (for tests: idle lanes must not accumulate). */
    int fusionLanes() {
        return fusion.lanes();
    }

    /** Waiting pops and task views of this server (for tests). */
    int waiting() {
        return waiters.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        maintenance.close();
        locks.close();
        waiters.close();
        listener.close();
        fusion.close();
        db.close();
    }
}
