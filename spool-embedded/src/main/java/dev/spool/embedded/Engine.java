package dev.spool.embedded;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.BrokerSettings;
import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * The engine thread: the only thread that touches the {@link StateMachine}. Callers hand it
 * {@link Command}s through a bounded inbox; it applies them in arrival order, records each change
 * in the {@link Wal}, and replies once the records are durable. Pops that find nothing park here
 * as {@link PopWaiter}s and are served by whatever makes a message ready — a push, a nack, a timer —
 * so nothing polls. When idle the thread sleeps until the next timer, waiter deadline or command.
 *
 * <p>Replies complete on this thread (memory mode) or the journal writer's thread (journal mode):
 * callers must not block inside non-async callbacks of the returned stages.
 */
final class Engine implements Runnable, StateMachine.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
    private static final int DRAIN_BATCH = 4096;
    private static final int SPINS = 256;
    private static final long HOUSEKEEPING_MS = 1000;

    final StateMachine sm;
    final BrokerSettings settings;
    final LongSupplier clock;
    Wal wal = Wal.NONE;
    long now;

    private final ConcurrentLinkedQueue<Command> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inboxSize = new AtomicInteger();
    private final int inboxCapacity;
    private volatile Thread thread;
    private volatile boolean parked;
    private volatile boolean stopping;
    /** Set once the engine thread no longer takes commands; a command offered after it is failed. */
    private volatile boolean exited;
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    private final ArrayDeque<GroupState> dirty = new ArrayDeque<>();
    private final IdentityHashMap<GroupState, Boolean> dirtySet = new IdentityHashMap<>();
    private final PriorityQueue<PopWaiter> popDeadlines =
            new PriorityQueue<>((a, b) -> Long.compare(a.deadline, b.deadline));
    private final PriorityQueue<TaskWaiter> taskDeadlines =
            new PriorityQueue<>((a, b) -> Long.compare(a.deadline, b.deadline));
    private final IdentityHashMap<Entry, List<TaskWaiter>> taskWaiters = new IdentityHashMap<>();
    private int waiterCount;
    private long containedLogged;
    private long nextHousekeeping;

    final MessageOps messages;
    final AdminOps admin;
    final Views views;
    /** Last states of recently finished messages, for task views of forgotten ones. */
    final Finished finished = new Finished();
    final LockOps locks;
    private final PushFlow flow;

    Engine(StateMachine sm, BrokerSettings settings, LongSupplier clock, int inboxCapacity, FlowControl flow) {
        this.sm = sm;
        this.flow = new PushFlow(flow);
        this.settings = settings;
        this.clock = clock;
        this.inboxCapacity = inboxCapacity;
        this.now = clock.getAsLong();
        this.views = new Views(this);
        this.messages = new MessageOps(this);
        this.admin = new AdminOps(this);
        this.locks = new LockOps(this);
        sm.listener = this;
    }

    void start(String name) {
        Thread t = new Thread(this, name);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Hands a command to the engine thread; fails it at once when the inbox is full or closed. */
    void submit(Command c) {
        if (stopping) {
            c.reply().completeExceptionally(new SpoolException(ErrorCode.UNAVAILABLE, "the broker is closed"));
            return;
        }
        if (inboxSize.incrementAndGet() > inboxCapacity) {
            inboxSize.decrementAndGet();
            c.reply().completeExceptionally(SpoolException.tooMany("the engine's command queue is full", 50));
            return;
        }
        inbox.offer(c);
        if (exited) {
            // the engine stopped between the check above and the offer: nobody else will take it
            failLeftovers();
        } else if (parked) {
            LockSupport.unpark(thread);
        }
    }

    /** Wakes the engine thread if it is parked (another thread left it work outside the inbox). */
    void wake() {
        Thread t = thread;
        if (parked && t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Fails every command still in the inbox; safe from any thread, each command is taken once. */
    private void failLeftovers() {
        Command c;
        while ((c = inbox.poll()) != null) {
            c.reply().completeExceptionally(new SpoolException(ErrorCode.UNAVAILABLE, "the broker is closed"));
        }
    }

    /** Stops after the commands already submitted; resolves when the journal is closed. */
    CompletableFuture<Void> stop() {
        stopping = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        } else {
            stopped.complete(null);
        }
        return stopped;
    }

    boolean onEngineThread() {
        return Thread.currentThread() == thread;
    }

    @Override
    public void run() {
        try {
            loop();
        } catch (Throwable t) {
            LOG.error("engine thread failed", t);
            stopping = true;
        } finally {
            shutdown();
        }
    }

    private void loop() {
        while (true) {
            wal.markCommand();
            try {
                tick();
            } catch (RuntimeException e) {
                contained("timers and waiting requests", e);
            }
            flow.release(sm.queues, System.nanoTime(), stopping, this::execute);
            int n = 0;
            Command c;
            while (n < DRAIN_BATCH && (c = inbox.poll()) != null) {
                inboxSize.decrementAndGet();
                n++;
                execute(c);
            }
            wal.markCommand();
            try {
                if (now >= nextHousekeeping) {
                    housekeeping();
                }
                wal.housekeeping(now);
            } catch (RuntimeException e) {
                contained("housekeeping", e);
            }
            wal.seal();
            if (n > 0) {
                continue;
            }
            if (stopping && !flow.holding()) {
                return;
            }
            idle();
        }
    }

    private void tick() {
        long t = clock.getAsLong();
        if (t > now) {
            now = t;
        }
        sm.advance(now);
        serveDirty();
        expireWaiters();
    }

    /**
     * Runs one command. A failure is contained to its request; if the command had already appended
     * journal records (it failed half-applied), those are dropped and the engine stops accepting
     * writes (see {@link Wal#abandonCommand}) rather than let memory and journal disagree.
     */
    private void execute(Command c) {
        wal.markCommand();
        try {
            dispatch(c);
        } catch (SpoolException e) {
            if (wal.abandonCommand(e, true)) {
                LOG.error("command {} failed after it had changed the state; writes are refused until restart",
                        c.getClass().getSimpleName(), e);
            }
            wal.fail(c.reply(), e);
        } catch (RuntimeException e) {
            LOG.error("command {} failed", c.getClass().getSimpleName(), e);
            if (wal.abandonCommand(e, false)) {
                LOG.error("the failed command had changed the state; writes are refused until restart");
            }
            wal.fail(c.reply(), SpoolException.internal("the engine failed to apply the request", e));
        }
        try {
            serveDirty();
        } catch (RuntimeException e) {
            contained("serving waiting requests", e);
        }
    }

    /** A failure outside a command: logged (at most every 10 s), never the end of the engine thread. */
    private void contained(String where, RuntimeException e) {
        long t = System.nanoTime();
        if (containedLogged == 0 || t - containedLogged >= 10_000_000_000L) {
            containedLogged = t;
            LOG.error("the engine failed in {}; it goes on serving", where, e);
        }
        if (wal.abandonCommand(e, false)) {
            LOG.error("the failure left the state half-changed; writes are refused until restart");
        }
    }

    private void dispatch(Command c) {
        switch (c) {
            case Command.Push p -> {
                if (flow.admit(p, sm.queues.get(p.queue()), System.nanoTime())) {
                    messages.push(p);
                }
            }
            case Command.Pop p -> messages.pop(p);
            case Command.Ack a -> messages.ack(a);
            case Command.Nack n -> messages.nack(n);
            case Command.Extend x -> messages.extend(x);
            case Command.Transact t -> messages.transact(t);
            case Command.PutQueue p -> admin.putQueue(p);
            case Command.GetQueue g -> admin.getQueue(g);
            case Command.ListQueues l -> admin.listQueues(l);
            case Command.DeleteQueue d -> admin.deleteQueue(d);
            case Command.PurgeQueue p -> admin.purge(p);
            case Command.GetMessage g -> admin.getMessage(g);
            case Command.Browse b -> admin.browse(b);
            case Command.Redrive r -> admin.redrive(r);
            case Command.PutGroup p -> admin.putGroup(p);
            case Command.GetGroup g -> admin.getGroup(g);
            case Command.ListGroups l -> admin.listGroups(l);
            case Command.DeleteGroup d -> admin.deleteGroup(d);
            case Command.CheckHealth h -> admin.health(h);
            case Command.PutToken p -> admin.putToken(p);
            case Command.ListTokens l -> admin.listTokens(l);
            case Command.RevokeToken r -> admin.revokeToken(r);
            case Command.AcquireLock a -> locks.acquire(a);
            case Command.KeepaliveLock k -> locks.keepalive(k);
            case Command.ReleaseLock r -> locks.release(r);
            case Command.CancelAcquire x -> locks.cancel(x);
            case Command.GetLock g -> locks.get(g);
            case Command.ListLocks l -> locks.list(l);
            case Command.GetLockState g -> locks.getState(g);
            case Command.PutLockState p -> locks.putState(p);
            case Command.DeleteLockState d -> locks.deleteState(d);
            case Command.Task t -> {
                t.task().run();
                wal.reply(t.reply(), null);
            }
        }
    }

    private void idle() {
        for (int i = 0; i < SPINS; i++) {
            if (!inbox.isEmpty() || stopping) {
                return;
            }
            Thread.onSpinWait();
        }
        long wake = Math.min(Math.min(sm.timers.nextDeadline(), sm.locks.nextDeadline()), nextWaiterDeadline());
        wake = Math.min(wake, Math.min(nextHousekeeping, wal.nextHousekeeping()));
        long t = clock.getAsLong();
        if (wake <= t) {
            return;
        }
        parked = true;
        try {
            if (inbox.isEmpty() && !stopping) {
                long nanos = Math.min(wake - t, 1000) * 1_000_000L;
                // held pushes wait on time the engine's clock does not measure (PushFlow)
                LockSupport.parkNanos(this, flow.holding() ? Math.min(nanos, 10_000_000L) : nanos);
            }
        } finally {
            parked = false;
        }
    }

    private void housekeeping() {
        nextHousekeeping = now + HOUSEKEEPING_MS;
        for (QueueState q : sm.queues.values()) {
            q.dedupExpire(now);
            q.defaultGroup.compact();
            for (GroupState g : q.groups.values()) {
                g.compact();
            }
        }
    }

    private void shutdown() {
        try {
            for (PopWaiter w : new ArrayList<>(popDeadlines)) {
                finishPopWaiter(w, List.of(), Long.MAX_VALUE);
            }
            for (TaskWaiter w : new ArrayList<>(taskDeadlines)) {
                if (!w.done) {
                    w.done = true;
                    wal.reply(w.command.reply(), views.messageView(w.entry, w.command.query().group()));
                }
            }
            locks.failWaiters();
            flow.failAll(new SpoolException(ErrorCode.UNAVAILABLE, "the broker is closed"));
            exited = true;
            failLeftovers();
            wal.seal();
            wal.close();
        } catch (RuntimeException e) {
            LOG.error("engine shutdown failed", e);
        } finally {
            stopped.complete(null);
        }
    }

    // ---- waiters ----

    /** Parks a pop that found nothing. */
    void parkPop(Command.Pop c, GroupState g, long waitMs) {
        checkWaiterRoom();
        PopWaiter w = new PopWaiter(c, g, now + waitMs);
        g.waiters.add(w);
        popDeadlines.add(w);
        waiterCount++;
    }

    /** Parks a task view until its entry is terminal. */
    void parkTask(Command.GetMessage c, Entry e, long waitMs) {
        checkWaiterRoom();
        TaskWaiter w = new TaskWaiter(c, e, now + waitMs);
        taskWaiters.computeIfAbsent(e, k -> new ArrayList<>(2)).add(w);
        taskDeadlines.add(w);
        waiterCount++;
    }

    /** A lock acquire starts waiting: counts toward {@code max_waiters}. */
    void waiterAdded() {
        checkWaiterRoom();
        waiterCount++;
    }

    /** A lock waiter left the line (granted, cancelled, timed out). */
    void waiterGone() {
        waiterCount--;
    }

    private void checkWaiterRoom() {
        if (waiterCount >= settings.limits().maxWaiters()) {
            throw SpoolException.tooMany("too many requests are waiting (max_waiters="
                    + settings.limits().maxWaiters() + ")", 1000);
        }
    }

    private long nextWaiterDeadline() {
        PopWaiter p;
        while ((p = popDeadlines.peek()) != null && p.done) {
            popDeadlines.poll();
        }
        TaskWaiter t;
        while ((t = taskDeadlines.peek()) != null && t.done) {
            taskDeadlines.poll();
        }
        return Math.min(Math.min(p == null ? Long.MAX_VALUE : p.deadline, t == null ? Long.MAX_VALUE : t.deadline),
                locks.nextWaiterDeadline());
    }

    private void expireWaiters() {
        locks.expireWaiters(now);
        PopWaiter p;
        while ((p = popDeadlines.peek()) != null && (p.done || p.deadline <= now)) {
            popDeadlines.poll();
            if (!p.done) {
                finishPopWaiter(p, List.of(), Long.MAX_VALUE);
            }
        }
        TaskWaiter t;
        while ((t = taskDeadlines.peek()) != null && (t.done || t.deadline <= now)) {
            taskDeadlines.poll();
            if (!t.done) {
                t.done = true;
                waiterCount--;
                List<TaskWaiter> list = taskWaiters.get(t.entry);
                if (list != null) {
                    list.remove(t);
                    if (list.isEmpty()) {
                        taskWaiters.remove(t.entry);
                    }
                }
                views.replyView(t.command, t.entry);
            }
        }
    }

    /** Answers a waiting pop with deliveries of messages pushed before {@code pushedBefore}. */
    void finishPopWaiter(PopWaiter w, List<dev.spool.api.Delivery> result, long pushedBefore) {
        if (w.done) {
            return;
        }
        w.done = true;
        waiterCount--;
        wal.replyDelivered(w.command.reply(), result, pushedBefore);
    }

    /** Wakes every pop waiting on a group (the group or its queue went away). */
    void releaseWaiters(GroupState g) {
        PopWaiter w;
        while ((w = g.waiters.poll()) != null) {
            finishPopWaiter(w, List.of(), Long.MAX_VALUE);
        }
    }

    private void serveDirty() {
        GroupState g;
        while ((g = dirty.poll()) != null) {
            dirtySet.remove(g);
            if (!g.deleted) {
                messages.serveWaiters(g);
            }
        }
    }

    // ---- StateMachine.Listener ----

    @Override
    public void readyAdded(GroupState g) {
        if (!g.waiters.isEmpty() && dirtySet.put(g, Boolean.TRUE) == null) {
            dirty.add(g);
        }
    }

    @Override
    public void terminal(Entry e) {
        finished.record(e);
        if (taskWaiters.isEmpty()) {
            return;
        }
        List<TaskWaiter> list = taskWaiters.remove(e);
        if (list == null) {
            return;
        }
        for (TaskWaiter w : list) {
            if (!w.done) {
                w.done = true;
                waiterCount--;
                views.replyView(w.command, e);
            }
        }
    }

    @Override
    public void leaseExpiredOnLastAttempt(Entry e, long at) {
        messages.die(e, "max_attempts exceeded: lease expired");
    }

    @Override
    public void deleted(Msg m) {
        wal.deleted(m);
    }

    @Override
    public void lockExpired(LockEntry l, long at) {
        settings.instrumentation().onLockExpired();
        locks.expired(l);
    }
}
