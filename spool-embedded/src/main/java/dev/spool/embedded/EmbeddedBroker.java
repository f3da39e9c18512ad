package dev.spool.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
import dev.spool.api.crypto.Keyring;

/**
 * The embedded engine as a {@link Broker}: one engine thread owning all state, and in journal mode
 * a durable journal on local disk (see {@link Journal}).
 *
 * <p>Arguments are validated on the caller's thread before anything reaches the engine, so a bad
 * request fails fast and never costs engine time. Stages complete on the engine thread (memory
 * mode) or the journal writer thread (journal mode): attach heavy or blocking work with the
 * {@code *Async} methods.
 */
public final class EmbeddedBroker implements Broker {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);

    /** Replaced (with the journal) when writing resumes after a disk failure; see {@link #watchJournal}. */
    private volatile Engine engine;
    private final BrokerSettings settings;
    private final EmbeddedConfig config;
    private volatile Journal journal;
    private final LongSupplier clock;
    private final JournalFiles files;
    private final java.util.concurrent.ScheduledExecutorService watch;
    private volatile boolean closed;
    private final LockCalls locks;

    private EmbeddedBroker(Engine engine, BrokerSettings settings, EmbeddedConfig config, Journal journal,
            LongSupplier clock, JournalFiles files) {
        this.engine = engine;
        this.settings = settings;
        this.config = config;
        this.journal = journal;
        this.clock = clock;
        this.files = files;
        this.locks = new LockCalls(c -> this.engine.submit(c), settings.limits(), config.durable(),
                () -> this.engine.locks.published);
        if (journal == null) {
            this.watch = null;
        } else {
            this.watch = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "spool-journal-watch");
                t.setDaemon(true);
                return t;
            });
            watch.scheduleWithFixedDelay(this::watchJournal, WATCH_MS, WATCH_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** How often a stopped journal writer is checked for whether the disk takes writes again. */
    static final long WATCH_MS = 500;

    /**
     * When the journal writer stopped (disk full, I/O error) and the disk takes a probe write again,
     * reopens the journal in place: the engine stops (what waits on it is answered or failed with a
     * retry hint), recovery rebuilds the state from what is on disk (dropping the writes that failed,
     * which were never acknowledged), and a new engine takes over. Reads were served meanwhile.
     */
    private void watchJournal() {
        Journal j = journal;
        if (closed || j == null || j.writer().failure() == null || !j.probeWrite()) {
            return;
        }
        synchronized (this) {
            if (closed || journal != j) {
                return;
            }
            LOG.warn("the journal can be written again; reopening it to resume writes");
            try {
                engine.stop().get(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
                LOG.error("the engine did not stop cleanly before reopening the journal", e);
            }
            j.closeFiles();
            try {
                Journal next = Journal.open(config, settings, clock, files);
                next.engine().start("spool-engine");
                journal = next;
                engine = next.engine();
                LOG.info("writes resumed: the journal was reopened");
            } catch (IOException | RuntimeException e) {
                LOG.error("reopening the journal failed ({}); trying again in {} ms", e.toString(), WATCH_MS);
            }
        }
    }

    /**
     * Opens an engine: in memory mode at once, in journal mode after recovering the journal.
     *
     * @throws SpoolException {@link ErrorCode#UNAVAILABLE} when the journal cannot be opened
     */
    public static EmbeddedBroker open(EmbeddedConfig config, BrokerSettings settings) {
        return open(config, settings, System::currentTimeMillis);
    }

    static EmbeddedBroker open(EmbeddedConfig config, BrokerSettings settings, LongSupplier clock) {
        return open(config, settings, clock, JournalFiles.REAL);
    }

    /** Opens with another file system (tests model faults and power loss through it). */
    static EmbeddedBroker open(EmbeddedConfig config, BrokerSettings settings, LongSupplier clock,
            JournalFiles files) {
        if (!config.durable()) {
            StateMachine sm = new StateMachine(clock.getAsLong());
            Engine engine = new Engine(sm, settings, clock, config.commandQueueCapacity(), config.flow());
            config.bound(sm, clock.getAsLong());
            engine.start("spool-engine");
            return new EmbeddedBroker(engine, settings, config, null, clock, files);
        }
        try {
            Journal journal = Journal.open(config, settings, clock, files);
            Engine engine = journal.engine();
            try {
                engine.messages.useReceiptKey(ReceiptKeyFile.loadOrCreate(config.dataDir().orElseThrow()));
                config.bound(engine.sm, clock.getAsLong());
            } catch (IOException | RuntimeException e) {
                journal.closeFiles();
                throw e;
            }
            engine.start("spool-engine");
            return new EmbeddedBroker(engine, settings, config, journal, clock, files);
        } catch (IOException | UncheckedIOException e) {
            throw SpoolException.unavailable("cannot open the journal in " + config.dataDir().orElseThrow()
                    + ": " + e.getMessage(), e);
        }
    }

    /** The configuration this engine runs with. */
    public EmbeddedConfig config() {
        return config;
    }

    @Override
    public BrokerSettings settings() {
        return settings;
    }

    private <T, C extends Command> CompletionStage<T> send(CompletableFuture<T> f, C command) {
        engine.submit(command);
        return f;
    }

    @Override
    public CompletionStage<QueueInfo> putQueue(String queue, QueueConfig cfg) {
        try {
            Names.checkQueue(queue, "queue");
            settings.atRest().check(cfg.validate());
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<QueueInfo> f = new CompletableFuture<>();
        return send(f, new Command.PutQueue(queue, cfg, f));
    }

    @Override
    public CompletionStage<QueueInfo> getQueue(String queue) {
        CompletableFuture<QueueInfo> f = new CompletableFuture<>();
        return checked(queue, f, () -> new Command.GetQueue(queue, f));
    }

    @Override
    public CompletionStage<List<QueueInfo>> listQueues() {
        CompletableFuture<List<QueueInfo>> f = new CompletableFuture<>();
        return send(f, new Command.ListQueues(f));
    }

    @Override
    public CompletionStage<Void> deleteQueue(String queue) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        return checked(queue, f, () -> new Command.DeleteQueue(queue, f));
    }

    @Override
    public CompletionStage<Long> purgeQueue(String queue) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        return checked(queue, f, () -> new Command.PurgeQueue(queue, f));
    }

    @Override
    public CompletionStage<long[]> push(String queue, List<NewMessage> messages) {
        List<NewMessage> ms;
        try {
            Names.checkQueue(queue, "queue");
            Validation.messages(messages, settings.limits(), "messages");
            ms = config.durable() ? messages : Inlining.messages(messages);
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<long[]> f = new CompletableFuture<>();
        return send(f, new Command.Push(queue, ms, f));
    }

    @Override
    public CompletionStage<List<Delivery>> pop(String queue, PopRequest request) {
        try {
            Names.checkQueue(queue, "queue");
            request.validate(settings.limits());
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<List<Delivery>> f = new CompletableFuture<>();
        CompletableFuture<List<Delivery>> caller = request.waitMs() == 0 ? f : new CompletableFuture<>();
        send(f, new Command.Pop(queue, request, f, caller));
        return caller == f ? f : WaitingPops.link(f, caller, request.group(), r -> nack(queue, r));
    }

    @Override
    public CompletionStage<Outcomes> ack(String queue, AckRequest request) {
        return ack(queue, request, false);
    }

    @Override
    public CompletionStage<Outcomes> ackUnawaited(String queue, AckRequest request) {
        return ack(queue, request, true);
    }

    private CompletionStage<Outcomes> ack(String queue, AckRequest request, boolean unawaited) {
        try {
            Names.checkQueue(queue, "queue");
            request.validate(settings.limits());
            request.result().ifPresent(r -> Inlining.checkResult(r.payload()));
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Outcomes> f = new CompletableFuture<>();
        return send(f, new Command.Ack(queue, request, f, unawaited));
    }

    @Override
    public CompletionStage<Outcomes> nack(String queue, NackRequest request) {
        CompletableFuture<Outcomes> f = new CompletableFuture<>();
        return checked(queue, () -> request.validate(settings.limits()), f, () -> new Command.Nack(queue, request, f));
    }

    @Override
    public CompletionStage<Outcomes> extend(String queue, ExtendRequest request) {
        CompletableFuture<Outcomes> f = new CompletableFuture<>();
        return checked(queue, () -> request.validate(settings.limits()), f,
                () -> new Command.Extend(queue, request, f));
    }

    @Override
    public CompletionStage<MessageView> getMessage(String queue, long id, MessageQuery query) {
        CompletableFuture<MessageView> f = new CompletableFuture<>();
        return checked(queue, () -> query.validate(settings.limits()), f,
                () -> new Command.GetMessage(queue, id, query, f));
    }

    @Override
    public CompletionStage<List<MessageView>> browse(String queue, BrowseRequest request) {
        CompletableFuture<List<MessageView>> f = new CompletableFuture<>();
        return checked(queue, () -> request.validate(settings.limits()), f,
                () -> new Command.Browse(queue, request, f));
    }

    @Override
    public CompletionStage<Long> redrive(String queue, RedriveRequest request) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        return checked(queue, () -> request.validate(settings.limits()), f,
                () -> new Command.Redrive(queue, request, f));
    }

    @Override
    public CompletionStage<GroupInfo> putGroup(String queue, String group, GroupSpec spec) {
        try {
            Names.checkQueue(queue, "queue");
            Names.checkGroup(group, "group");
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<GroupInfo> f = new CompletableFuture<>();
        return send(f, new Command.PutGroup(queue, group, spec, f));
    }

    @Override
    public CompletionStage<GroupInfo> getGroup(String queue, String group) {
        CompletableFuture<GroupInfo> f = new CompletableFuture<>();
        return checked(queue, () -> Names.checkGroup(group, "group"), f, () -> new Command.GetGroup(queue, group, f));
    }

    @Override
    public CompletionStage<List<GroupInfo>> listGroups(String queue) {
        CompletableFuture<List<GroupInfo>> f = new CompletableFuture<>();
        return checked(queue, f, () -> new Command.ListGroups(queue, f));
    }

    @Override
    public CompletionStage<Void> deleteGroup(String queue, String group) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        return checked(queue, () -> Names.checkGroup(group, "group"), f,
                () -> new Command.DeleteGroup(queue, group, f));
    }

    @Override
    public CompletionStage<TxResult> transact(List<TxOp> ops) {
        try {
            Transactions.validate(ops, settings.limits(), config.durable());
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<TxResult> f = new CompletableFuture<>();
        List<TxOp> prepared;
        try {
            prepared = config.durable() ? Transactions.checked(ops) : Transactions.inlined(ops);
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        return send(f, new Command.Transact(prepared, Transactions.leaseIds(prepared), f));
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
        return locks.get(name);
    }

    @Override
    public CompletionStage<List<LockInfo>> listLocks(String prefix, String after, int limit) {
        return locks.list(prefix, after, limit);
    }

    @Override
    public CompletionStage<LockState> getLockState(String name) {
        return locks.getState(name);
    }

    @Override
    public CompletionStage<LockStateInfo> putLockState(String name, LockStateWrite write) {
        return locks.putState(name, write);
    }

    @Override
    public CompletionStage<Void> deleteLockState(String name, LockFence fence, OptionalLong ifVersion) {
        return locks.deleteState(name, fence, ifVersion);
    }

    @Override
    public CompletionStage<AccessToken> putToken(AccessToken token) {
        if (token == null) {
            return CompletableFuture.failedFuture(SpoolException.invalid("token", "a token is needed"));
        }
        CompletableFuture<AccessToken> f = new CompletableFuture<>();
        return send(f, new Command.PutToken(token, f));
    }

    @Override
    public CompletionStage<List<AccessToken>> listTokens() {
        CompletableFuture<List<AccessToken>> f = new CompletableFuture<>();
        return send(f, new Command.ListTokens(f));
    }

    @Override
    public CompletionStage<Void> revokeToken(String id) {
        if (id == null || id.isEmpty() || id.length() > 64) {
            return CompletableFuture.failedFuture(SpoolException.invalid("id", "id is 1 to 64 characters"));
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        return send(f, new Command.RevokeToken(id, f));
    }

    @Override
    public CompletionStage<Health> health() {
        CompletableFuture<Health> f = new CompletableFuture<>();
        return send(f, new Command.CheckHealth(f));
    }

    @Override
    public CompletionStage<Set<String>> keysInUse(Set<String> ids) {
        return KeyReload.inUse(this, settings.atRest().keyring().orElseThrow(), ids);
    }

    @Override
    public CompletionStage<Void> keyringReplaced(Keyring ring, Keyring next) {
        return KeyReload.replace(this, ring, next);
    }

    /** Runs {@code task} on the engine thread (tests, maintenance). */
    CompletableFuture<Void> onEngine(Runnable task) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        engine.submit(new Command.Task(task, f));
        return f;
    }

    Engine engine() {
        return engine;
    }

    Journal journal() {
        return journal;
    }

    private <T> CompletionStage<T> checked(String queue, CompletableFuture<T> f,
            java.util.function.Supplier<Command> command) {
        return checked(queue, () -> { }, f, command);
    }

    /**
     * Checks the queue name and then {@code check} on the caller's thread (a refusal fails the
     * returned stage), then submits the command that completes {@code f}. The hot calls (push,
     * pop, ack) spell this out instead, to allocate no lambdas per call.
     */
    private <T> CompletionStage<T> checked(String queue, Runnable check, CompletableFuture<T> f,
            java.util.function.Supplier<Command> command) {
        try {
            Names.checkQueue(queue, "queue");
            check.run();
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
        engine.submit(command.get());
        return f;
    }

    @Override
    public void close() {
        closed = true;
        if (watch != null) {
            watch.shutdownNow();
        }
        try {
            engine.stop().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            LOG.error("engine did not stop cleanly", e);
        }
        if (journal != null) {
            journal.closeFiles();
        }
    }
}
