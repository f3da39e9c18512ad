package dev.spool.embedded;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;

import dev.spool.api.ErrorCode;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;
import dev.spool.api.TxResult;

/**
 * Applies a transaction: first every operation is checked against the current state without
 * changing anything; only if all pass are they applied, inside one journal transaction record.
 * The engine thread runs nothing else meanwhile, so the check cannot be invalidated.
 */
final class Transactions {
    private final Engine engine;
    private final IdentityHashMap<Entry, Boolean> claimed = new IdentityHashMap<>();
    /** Queues the transaction being checked will create. */
    private final java.util.Set<String> creating = new java.util.HashSet<>();
    /** What the lock ops checked so far claim (releases, versions). */
    private final LockOps.TxView lockView = new LockOps.TxView();

    Transactions(Engine engine) {
        this.engine = engine;
    }

    /** Checks what does not depend on state, on the caller's thread. */
    static void validate(List<TxOp> ops, dev.spool.api.BrokerLimits limits, boolean durable) {
        if (ops == null || ops.isEmpty()) {
            throw SpoolException.invalid("ops", "a transaction needs at least one operation");
        }
        dev.spool.api.Validation.range("ops", ops.size(), 1, limits.maxTxOps());
        java.util.Set<String> acquired = new java.util.HashSet<>();
        for (int i = 0; i < ops.size(); i++) {
            TxOp op = ops.get(i);
            try {
                if (op instanceof TxOp.OnQueue q) {
                    dev.spool.api.Names.checkQueue(q.queue(), "queue");
                }
                switch (op) {
                    case TxOp.Push p -> dev.spool.api.Validation.messages(p.messages(), limits, "messages");
                    case TxOp.Ack a -> {
                        a.request().validate(limits);
                        a.request().result().ifPresent(r -> Inlining.checkResult(r.payload()));
                    }
                    case TxOp.Nack n -> n.request().validate(limits);
                    case TxOp.Extend x -> x.request().validate(limits);
                    case TxOp.OnLock l -> dev.spool.api.LockChecks.txOp(l, acquired, limits);
                }
            } catch (SpoolException e) {
                throw e.atOp(i);
            }
        }
    }

    /** Memory mode: reads streamed payloads of push operations onto the heap. */
    static List<TxOp> inlined(List<TxOp> ops) {
        List<TxOp> out = new ArrayList<>(ops.size());
        for (TxOp op : ops) {
            out.add(switch (op) {
                case TxOp.Push p -> new TxOp.Push(p.queue(), Inlining.messages(p.messages()));
                case TxOp.LockStatePut p -> new TxOp.LockStatePut(p.lock(), LockCalls.inlined(p.write()));
                default -> op;
            });
        }
        return out;
    }

    /** Journal mode: streamed state documents get their CRC32C here, off the engine thread. */
    static List<TxOp> checked(List<TxOp> ops) {
        List<TxOp> out = null;
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i) instanceof TxOp.LockStatePut p && p.write().payload() instanceof dev.spool.api.Payload.Streamed) {
                if (out == null) {
                    out = new ArrayList<>(ops);
                }
                try {
                    out.set(i, new TxOp.LockStatePut(p.lock(), LockCalls.checked(p.write())));
                } catch (SpoolException e) {
                    throw e.atOp(i);
                }
            }
        }
        return out == null ? ops : out;
    }

    /** A fresh lease id for each acquire op (null for the others). */
    static String[] leaseIds(List<TxOp> ops) {
        String[] ids = new String[ops.size()];
        for (int i = 0; i < ids.length; i++) {
            if (ops.get(i) instanceof TxOp.LockAcquire) {
                ids[i] = LockCalls.newLeaseId();
            }
        }
        return ids;
    }

    TxResult run(List<TxOp> ops, String[] leaseIds) {
        for (int i = 0; i < ops.size(); i++) {
            try {
                check(ops.get(i));
            } catch (SpoolException e) {
                throw e.atOp(i);
            }
        }
        List<long[]> pushed = new ArrayList<>(ops.size());
        java.util.Map<Integer, dev.spool.api.LockLease> leases = new java.util.HashMap<>();
        engine.wal.txBegin(engine.now);
        for (int i = 0; i < ops.size(); i++) {
            TxOp op = ops.get(i);
            if (op instanceof TxOp.LockAcquire a) {
                leases.put(i, engine.locks.grantInTx(a, leaseIds[i]));
                pushed.add(new long[0]);
            } else {
                pushed.add(apply(op));
            }
        }
        engine.wal.txEnd();
        engine.locks.afterCommit(lockView);
        return new TxResult(pushed, leases);
    }

    private void check(TxOp op) {
        AdminOps admin = engine.admin;
        switch (op) {
            case TxOp.Push p -> {
                QueueState q = engine.sm.queues.get(p.queue());
                if (q == null && creating.add(p.queue())) {
                    if (!engine.settings.autoCreateQueues()) {
                        admin.queue(p.queue());
                    }
                    // every queue this transaction creates must fit, not just the first
                    admin.checkQueueRoom(creating.size());
                }
                long max = q == null ? engine.settings.queueDefaults().maxMessageBytes() : q.config.maxMessageBytes();
                MessageOps.checkSizes(max, p.messages(), "messages");
            }
            case TxOp.Ack a -> claim(admin.group(admin.queue(a.queue()), a.request().group()), a.request().receipts());
            case TxOp.Nack n -> claim(admin.group(admin.queue(n.queue()), n.request().group()),
                    n.request().receipts());
            case TxOp.Extend x -> claim(admin.group(admin.queue(x.queue()), x.request().group()),
                    x.request().receipts());
            case TxOp.OnLock l -> engine.locks.check(lockView, l);
        }
    }

    /** Every receipt must be current and not used by an earlier operation of this transaction. */
    private void claim(GroupState g, Receipts receipts) {
        for (int i = 0; i < receipts.size(); i++) {
            Entry e = g.entry(receipts.id(i));
            ReceiptOutcome o = MessageOps.check(e, receipts.fence(i), engine.now);
            if (o != ReceiptOutcome.OK || claimed.put(e, Boolean.TRUE) != null) {
                String why = o == ReceiptOutcome.NOT_FOUND ? "names no message of this group"
                        : "is stale (lease ended, or already used)";
                throw SpoolException.withField(ErrorCode.STALE_RECEIPT, "receipts[" + i + "]",
                        "receipt " + receipts.format(i) + " " + why);
            }
        }
    }

    private long[] apply(TxOp op) {
        MessageOps m = engine.messages;
        AdminOps admin = engine.admin;
        return switch (op) {
            case TxOp.Push p -> m.pushAll(admin.queueForProduce(p.queue()), p.messages());
            case TxOp.Ack a -> {
                m.ackAll(admin.group(admin.queue(a.queue()), a.request().group()), a.request().receipts(),
                        a.request().result().orElse(null));
                yield new long[0];
            }
            case TxOp.Nack n -> {
                var r = n.request();
                m.nackAll(admin.group(admin.queue(n.queue()), r.group()), r.receipts(),
                        r.delayMs().isPresent() ? r.delayMs().getAsLong() : -1, r.reason().orElse(null), r.deadLetter());
                yield new long[0];
            }
            case TxOp.Extend x -> {
                QueueState q = admin.queue(x.queue());
                long vis = x.request().visibilityMs() > 0 ? x.request().visibilityMs()
                        : q.config.visibilityTimeoutMs();
                m.extendAll(admin.group(q, x.request().group()), x.request().receipts(), vis);
                yield new long[0];
            }
            case TxOp.OnLock l -> {
                engine.locks.apply(lockView, l);
                yield new long[0];
            }
        };
    }
}
