package dev.spool.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.postgresql.PGConnection;

import dev.spool.api.LockFence;
import dev.spool.api.LockHolder;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.LockStateWrite;
import dev.spool.api.Payload;

/**
 * The lock statements on one connection (functions {@code spool_lock_*}, tables of V18). Each is one
 * round trip, except a large state write: the fence check, then the document's chunks streamed one
 * at a time, then the write, all in the caller's transaction.
 */
final class LockOps {
    /** An acquire's or a waiter's attempt was granted. */
    static final int GRANTED = 0;
    /** The caller waits in line. */
    static final int WAITING = 1;
    /** Held by another, and the caller does not wait. */
    static final int HELD = 2;
    /** The waiter's row was dropped as dead; the caller joins the line again. */
    static final int GONE = 3;

    private LockOps() {
    }

    /**
     * The answer of an acquire or a waiter's attempt.
     *
     * @param status {@link #GRANTED}, {@link #WAITING}, {@link #HELD} or {@link #GONE}
     * @param token the granted token
     * @param expiresAt when the granted lease ends (database clock)
     * @param waiter the waiter's row id when it joined the line
     * @param holder who holds the lock, when it is held
     * @param holderExpires when the holder's lease ends, 0 when not held
     * @param now the database clock at the attempt
     */
    record Attempt(int status, long token, long expiresAt, long waiter, String holder, long holderExpires, long now) {
        /** In how many ms the holder's lease ends, or -1 when not known. */
        long holderLeftMs() {
            return holderExpires > 0 ? Math.max(0, holderExpires - now) : -1;
        }
    }

    static Attempt acquire(Connection c, String name, String owner, long ttlMs, String leaseId, long waitMs,
            String server) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("lock_acquire"))) {
            ps.setString(1, name);
            ps.setString(2, owner);
            ps.setLong(3, ttlMs);
            ps.setString(4, leaseId);
            ps.setLong(5, waitMs);
            ps.setString(6, server);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Attempt(rs.getInt(1), rs.getLong(2), rs.getLong(3), rs.getLong(4), rs.getString(5),
                        rs.getLong(6), rs.getLong(7));
            }
        }
    }

    static Attempt take(Connection c, String name, long waiter) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("lock_take"))) {
            ps.setString(1, name);
            ps.setLong(2, waiter);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new Attempt(rs.getInt(1), rs.getLong(2), rs.getLong(3), waiter, rs.getString(4),
                        rs.getLong(5), rs.getLong(6));
            }
        }
    }

    /** Removes a waiter from the line; true when it was still there. */
    static boolean leave(Connection c, String name, long waiter) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("lock_leave"))) {
            ps.setString(1, name);
            ps.setLong(2, waiter);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** Marks this server's waiters as alive. */
    static void heartbeat(Connection c, long[] waiters) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("lock_heartbeat"))) {
            ps.setArray(1, c.unwrap(PGConnection.class).createArrayOf("int8", waiters));
            ps.executeUpdate();
        }
    }

    /** Removes every waiter of a server (it is closing). */
    static void leaveAll(Connection c, String server) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("lock_leave_server"))) {
            ps.setString(1, server);
            ps.executeUpdate();
        }
    }

    static void release(Connection c, String name, LockFence f) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("lock_release"))) {
            ps.setString(1, name);
            ps.setString(2, f.leaseId());
            ps.setLong(3, f.token());
            ps.executeQuery().close();
        }
    }

    static LockLease keepalive(Connection c, String name, LockFence f, long ttlMs) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("lock_keepalive"))) {
            ps.setString(1, name);
            ps.setString(2, f.leaseId());
            ps.setLong(3, f.token());
            ps.setLong(4, ttlMs);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new LockLease(name, f.leaseId(), f.token(), rs.getString(1), rs.getLong(2));
            }
        }
    }

    static Optional<LockInfo> info(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("lock_info"))) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(info(rs)) : Optional.empty();
            }
        }
    }

    /** Locks named {@code prefix...} after {@code after}, in bytewise name order. */
    static List<LockInfo> list(Connection c, String prefix, String after, int limit) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("lock_list"))) {
            ps.setString(1, prefix);
            // '~' sorts after every character a name may hold
            ps.setString(2, prefix + "~");
            ps.setString(3, after);
            ps.setInt(4, limit);
            try (ResultSet rs = ps.executeQuery()) {
                List<LockInfo> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(info(rs));
                }
                return out;
            }
        }
    }

    private static LockInfo info(ResultSet rs) throws SQLException {
        Optional<LockHolder> holder = rs.getBoolean("held")
                ? Optional.of(new LockHolder(rs.getString("owner"), rs.getLong("token"), rs.getLong("acquired_at"),
                        rs.getLong("expires_at")))
                : Optional.empty();
        long version = rs.getLong("st_version");
        Optional<LockStateInfo> state = version > 0
                ? Optional.of(new LockStateInfo(version, AtRestRows.contentType(rs.getString("st_type")),
                        AtRestRows.plainSize(rs.getString("st_type"), rs.getLong("st_size")),
                        rs.getLong("st_updated_at"), rs.getLong("st_token")))
                : Optional.empty();
        return new LockInfo(rs.getString("name"), holder, rs.getLong("last_token"), rs.getInt("waiters"), state);
    }

    /** The state document; a large one streams from {@code spool_lock_chunks} when read. */
    static Optional<LockState> state(Db db, Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("lock_state_get"))) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String type = rs.getString(2);
                long stored = rs.getLong(3);
                LockStateInfo info = new LockStateInfo(rs.getLong(1), AtRestRows.contentType(type),
                        AtRestRows.plainSize(type, stored), rs.getLong(4), rs.getLong(5));
                byte[] inline = rs.getBytes(6);
                long doc = rs.getLong(7);
                Payload p = inline != null ? Payload.of(inline)
                        : stored == 0 ? Payload.EMPTY
                        : new ChunkedPayload(db, "read_lock_chunk", doc, stored);
                return Optional.of(new LockState(info, db.atRest.openState(name, type, p)));
            }
        }
    }

    /** The write as stored: its payload sealed and its type marked when encryption is on. */
    static LockStateWrite sealed(Db db, String name, LockStateWrite w) {
        if (!db.atRest.sealsLocks()) {
            return w;
        }
        return db.atRest.sealState(name, w);
    }

    /** Whether writing this document needs a transaction (its bytes go in chunks). */
    static boolean needsTx(LockStateWrite w) {
        return w.payload().size() > Codec.INLINE_MAX;
    }

    /** Replaces the state document; a large one must run in a transaction. */
    static LockStateInfo putState(Connection c, String name, LockStateWrite w) throws SQLException, IOException {
        LockFence f = w.fence();
        long size = w.payload().size();
        byte[] inline = null;
        long doc = 0;
        if (size <= Codec.INLINE_MAX) {
            inline = w.payload().toBytes();
        } else {
            // refuse a stale fence or version before streaming megabytes; the row stays locked
            try (PreparedStatement ps = c.prepareStatement(Sql.get("lock_fence"))) {
                bindFence(ps, name, f, w.ifVersion());
                ps.executeQuery().close();
            }
            doc = newDoc(c);
            insertChunks(c, doc, w.payload());
        }
        try (PreparedStatement ps = c.prepareStatement(Sql.get("lock_state_put"))) {
            bindFence(ps, name, f, w.ifVersion());
            ps.setString(5, w.contentType());
            ps.setLong(6, size);
            ps.setBytes(7, inline);
            if (doc == 0) {
                ps.setNull(8, Types.BIGINT);
            } else {
                ps.setLong(8, doc);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new LockStateInfo(rs.getLong(1), w.contentType(), size, rs.getLong(2), f.token());
            }
        }
    }

    static void deleteState(Connection c, String name, LockFence f, OptionalLong ifVersion) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("lock_state_delete"))) {
            bindFence(ps, name, f, ifVersion);
            ps.executeQuery().close();
        }
    }

    private static void bindFence(PreparedStatement ps, String name, LockFence f, OptionalLong ifVersion)
            throws SQLException {
        ps.setString(1, name);
        ps.setString(2, f.leaseId());
        ps.setLong(3, f.token());
        if (ifVersion.isPresent()) {
            ps.setLong(4, ifVersion.getAsLong());
        } else {
            ps.setNull(4, Types.BIGINT);
        }
    }

    private static long newDoc(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("lock_doc_id")); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Streams a large document into chunks; at most one chunk is on the heap at a time. */
    private static void insertChunks(Connection c, long doc, Payload payload) throws SQLException, IOException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("insert_lock_chunk"));
                InputStream in = payload.openStream()) {
            long left = payload.size();
            for (int seq = 0; left > 0; seq++) {
                byte[] chunk = in.readNBytes((int) Math.min(Codec.CHUNK, left));
                if (chunk.length == 0) {
                    throw new IOException("state document ended " + left + " bytes early");
                }
                ps.setLong(1, doc);
                ps.setInt(2, seq);
                ps.setBytes(3, chunk);
                ps.executeUpdate();
                left -= chunk.length;
            }
        }
    }
}
