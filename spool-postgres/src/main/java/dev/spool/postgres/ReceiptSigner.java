package dev.spool.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.spool.api.SipHash;

/**
 * Signs receipts so that nobody but a server of this database can make one, and checks them before
 * any SQL matches a receipt with a lease. A receipt's tag is SipHash-2-4 ({@link SipHash} of
 * spool-api, shared with the embedded engine), keyed with the 128-bit secret of table
 * {@code spool_receipt_key} (drawn once by migration V12, read at start, the same for every server
 * on the database), over the group's row id, the message id and the delivery's attempt number.
 * Group ids come from a sequence and are never reused, so a receipt of a deleted group names
 * nothing in a recreated group of the same name; the SQL functions of ack, nack and extend take the
 * group id the tags were checked against and answer {@code not_found} when the group of that name
 * is another one by now (deleted and recreated on another server).
 *
 * <p>The group ids of this server's recent pops are cached by queue and group name; a receipt whose
 * tag fails against a cached id is checked once more against the database's current id, so a group
 * recreated elsewhere costs one lookup, not a wrong answer.
 */
final class ReceiptSigner {
    /** Cached group ids at most; past it the cache starts over (an id is one lookup away). */
    private static final int MAX_CACHED = 10_000;

    private final SipHash sip;
    private final Map<String, Long> groups = new ConcurrentHashMap<>();

    /** A key of 16 bytes, read as two little-endian 64-bit words. */
    ReceiptSigner(byte[] key) {
        if (key.length != 16) {
            throw new IllegalArgumentException("a receipt key is 16 bytes");
        }
        this.sip = new SipHash(key);
    }

    /** The database's receipt key (migration V12). */
    static ReceiptSigner load(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("receipt_key")); ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("table spool_receipt_key has no key; migration V12 did not run");
            }
            return new ReceiptSigner(rs.getBytes(1));
        }
    }

    /** The tag of a delivery; never 0, which in a receipt means "no tag". */
    long tag(long grp, long id, int attempts) {
        long t = sip.hash3(grp, id, attempts & 0xFFFF_FFFFL);
        return t == 0 ? 1 : t;
    }

    /** Records the group id a pop of this queue and group leased from. */
    void remember(String queue, String group, long grp) {
        if (groups.size() >= MAX_CACHED) {
            groups.clear();
        }
        groups.put(key(queue, group), grp);
    }

    /** Forgets the cached group ids of a queue (deleted) or of one of its groups. */
    void forget(String queue, String group) {
        if (group == null) {
            groups.keySet().removeIf(k -> k.startsWith(queue + "\0"));
        } else {
            groups.remove(key(queue, group));
        }
    }

    /**
     * Checks the tags of receipts against the group's id.
     *
     * @return the group id the tags were checked against (0 when the queue or group does not exist:
     *         the SQL function then reports it) and which receipts carry a good tag
     */
    Checked check(Connection c, String queue, String group, long[] ids, int[] fences, long[] tags)
            throws SQLException {
        String key = key(queue, group);
        Long cached = groups.get(key);
        long grp = cached == null ? lookup(c, queue, group) : cached;
        if (grp == 0) {
            return new Checked(0, null, 0);
        }
        boolean[] good = new boolean[ids.length];
        int n = mark(grp, ids, fences, tags, good);
        if (n < ids.length && cached != null) {
            long fresh = lookup(c, queue, group);
            if (fresh != grp) {
                grp = fresh;
                if (grp == 0) {
                    groups.remove(key);
                    return new Checked(0, null, 0);
                }
                n = mark(grp, ids, fences, tags, good);
            }
        }
        if (cached == null || cached != grp) {
            remember(queue, group, grp);
        }
        return new Checked(grp, good, n);
    }

    private int mark(long grp, long[] ids, int[] fences, long[] tags, boolean[] good) {
        int n = 0;
        for (int i = 0; i < ids.length; i++) {
            good[i] = tags[i] == tag(grp, ids[i], fences[i]);
            if (good[i]) {
                n++;
            }
        }
        return n;
    }

    private static long lookup(Connection c, String queue, String group) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("group_id"))) {
            ps.setString(1, queue);
            ps.setString(2, group);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    private static String key(String queue, String group) {
        return queue + "\0" + group;
    }

    /**
     * The outcome of {@link #check}.
     *
     * @param grp the group id, or 0 when the queue or the group was not found
     * @param good per receipt, whether its tag is right (null when {@code grp} is 0)
     * @param count how many are
     */
    record Checked(long grp, boolean[] good, int count) {
    }
}
