package dev.spool.postgres;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.spool.api.BrokerLimits;
import dev.spool.api.ErrorCode;
import dev.spool.api.LockChecks;
import dev.spool.api.LockFence;
import dev.spool.api.LockLease;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Names;
import dev.spool.api.Outcomes;
import dev.spool.api.SpoolException;
import dev.spool.api.TxOp;
import dev.spool.api.TxResult;
import dev.spool.api.Validation;

/**
 * Transactions: the operations run in order in one database transaction with the same functions as
 * the single calls; the first failing one aborts it (rollback) and is named by the exception's
 * {@code opIndex}. A receipt that is not current, or whose tag this database did not sign, fails
 * with {@link ErrorCode#STALE_RECEIPT} (the tag is checked before the receipt reaches SQL). Lock
 * operations (a state write, a release) run the same functions as the single calls in the same
 * transaction; a stale fence or version fails the transaction. An acquire takes a free lock with the
 * same function as a single acquire that does not wait ({@code lock_held} fails the transaction);
 * later ops given {@link LockFence#TX_ACQUIRED} act with its lease. A release's {@code NOTIFY} is sent at
 * commit, so the next waiter is served only once everything else took effect.
 */
final class Transactions {
    private Transactions() {
    }

    static void validate(List<TxOp> ops, BrokerLimits limits) {
        Validation.range("ops", ops.size(), 1, limits.maxTxOps());
        java.util.Set<String> acquired = new java.util.HashSet<>();
        for (int i = 0; i < ops.size(); i++) {
            try {
                TxOp op = ops.get(i);
                if (op instanceof TxOp.OnQueue q) {
                    Names.checkQueue(q.queue(), "queue");
                }
                switch (op) {
                    case TxOp.Push p -> Validation.messages(p.messages(), limits, "messages");
                    case TxOp.Ack a -> a.request().validate(limits);
                    case TxOp.Nack n -> n.request().validate(limits);
                    case TxOp.Extend e -> e.request().validate(limits);
                    case TxOp.OnLock l -> LockChecks.txOp(l, acquired, limits);
                }
            } catch (SpoolException e) {
                throw e.atOp(i);
            }
        }
    }

    static TxResult apply(Db db, Connection c, ReceiptSigner signer, List<TxOp> ops, boolean create, Locks locks)
            throws SQLException, IOException {
        List<long[]> pushed = new ArrayList<>(ops.size());
        Map<Integer, LockLease> leases = new HashMap<>();
        Map<String, LockFence> acquired = new HashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            TxOp op = ops.get(i);
            Outcomes o = null;
            try {
                switch (op) {
                    case TxOp.Push p -> pushed.add(MessageOps.push(db, c, p.queue(), create, p.messages()));
                    case TxOp.Ack a -> o = MessageOps.ack(c, signer, a.queue(), a.request().group(),
                            a.request().receipts(), a.request().result().map(r -> db.atRest.sealResult(a.queue(), r)));
                    case TxOp.Nack n -> o = MessageOps.nack(c, signer, n.queue(), n.request().group(),
                            n.request().receipts(), n.request().delayMs(), n.request().reason(),
                            n.request().deadLetter());
                    case TxOp.Extend e -> o = MessageOps.extend(c, signer, e.queue(), e.request().group(),
                            e.request().receipts(), e.request().visibilityMs());
                    case TxOp.LockAcquire a -> {
                        LockLease l = locks.acquireInTx(c, a.lock(), a.request());
                        leases.put(i, l);
                        acquired.put(a.lock(), l.fence());
                        pushed.add(new long[0]);
                    }
                    case TxOp.LockStatePut p -> {
                        LockStateWrite w = p.write().fence().txAcquired() ? new LockStateWrite(
                                acquired.get(p.lock()), p.write().payload(), p.write().contentType(),
                                p.write().ifVersion()) : p.write();
                        LockOps.putState(c, p.lock(), LockOps.sealed(db, p.lock(), w));
                        pushed.add(new long[0]);
                    }
                    case TxOp.LockRelease r -> {
                        LockOps.release(c, r.lock(), r.fence().txAcquired() ? acquired.get(r.lock()) : r.fence());
                        pushed.add(new long[0]);
                    }
                }
            } catch (SpoolException e) {
                throw e.atOp(i);
            } catch (SQLException e) {
                if (PgErrors.isConnectionLoss(e) || PgErrors.isRetryable(e) || PgErrors.encryptedQueue(e) != null) {
                    throw e;
                }
                throw PgErrors.map(e).atOp(i);
            }
            if (o != null) {
                pushed.add(new long[0]);
                int bad = o.firstFailure();
                if (bad >= 0) {
                    throw SpoolException.withField(ErrorCode.STALE_RECEIPT, "receipts[" + bad + "]",
                            "receipt " + bad + " is " + o.get(bad).wire()).atOp(i);
                }
            }
        }
        return new TxResult(pushed, leases);
    }
}
