package dev.spool.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.SpoolException;
import dev.spool.api.crypto.Keyring;

/**
 * Re-encryption of PostgreSQL rows after a key rotation, and the question "does any row still use
 * these keys". The journal re-encrypts what compaction moves; rows stay where they are, so every
 * {@link #PERIOD_MS} each server re-seals up to {@code encryption-reseal-batch} rows sealed under a
 * key other than the active one: inline message payloads ({@code spool_deliveries} lean rows and
 * {@code spool_messages} bodies, whose seal marker header gets the new key id and keeps its record
 * id, so the binding is unchanged), task results and inline lock state documents. Each row is
 * replaced only if it still holds the bytes that were read (a row acked or rewritten meanwhile is
 * left alone), so servers sharing the database may run it at the same time.
 *
 * <p>Payloads and lock state documents stored in chunks (over 256 KiB) are not re-sealed: they keep
 * their key until they are consumed, expire or are rewritten, and {@link #inUse} still counts them,
 * so their key cannot be dropped before. When a pass finds nothing left it logs so once and stops
 * scanning until the active key changes (a reload or a restart).
 */
final class Reseal {
    static final long PERIOD_MS = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(Reseal.class);
    /** The key id of a row's message seal marker ({@link AtRestRows#MARK}), NULL when not sealed. */
    private static final String MSG_KEY = "split_part(headers[array_position(headers, ':spool-sealed') + 1], '/', 1)";
    private static final String TYPE_KEY = "CASE WHEN %1$s LIKE ':sealed:%%' THEN split_part(%1$s, ':', 3) END";

    private Reseal() {
    }

    /** Which of {@code ids} some row is still sealed under (full scans: a reload is rare). */
    static Set<String> inUse(Connection c, Set<String> ids) throws SQLException {
        Set<String> out = new LinkedHashSet<>();
        if (ids.isEmpty()) {
            return out;
        }
        String[] queries = {
            "SELECT DISTINCT " + MSG_KEY + " FROM spool_messages WHERE " + MSG_KEY + " = ANY (?)",
            "SELECT DISTINCT " + MSG_KEY + " FROM spool_deliveries WHERE content_type IS NOT NULL AND " + MSG_KEY
                    + " = ANY (?)",
            "SELECT DISTINCT " + TYPE_KEY.formatted("result_type") + " FROM spool_deliveries WHERE "
                    + TYPE_KEY.formatted("result_type") + " = ANY (?)",
            "SELECT DISTINCT " + TYPE_KEY.formatted("st_type") + " FROM spool_locks WHERE "
                    + TYPE_KEY.formatted("st_type") + " = ANY (?)"};
        for (String q : queries) {
            try (PreparedStatement ps = c.prepareStatement(q)) {
                ps.setArray(1, c.createArrayOf("text", ids.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
        }
        return out;
    }

    /**
     * Re-seals up to {@code max} rows not under {@code ring}'s active key.
     *
     * @return how many rows were re-sealed, or -1 when none is left that can be re-sealed
     */
    static int batch(Connection c, AtRestRows rows, Keyring ring, int max) throws SQLException {
        String active = ring.activeId();
        int found = 0;
        int done = 0;
        List<Object[]> lean = select(c, "SELECT grp_id, msg_id, headers, payload FROM spool_deliveries WHERE "
                + "content_type IS NOT NULL AND payload IS NOT NULL AND " + MSG_KEY + " <> ? LIMIT ?", active, max);
        found += lean.size();
        int failed = 0;
        for (Object[] r : lean) {
            try {
                done += message(c, rows, ring, "UPDATE spool_deliveries SET payload = ?, headers = ? WHERE grp_id = ? "
                        + "AND msg_id = ? AND payload = ?", r);
            } catch (SpoolException e) {
                failed++;
            }
        }
        List<Object[]> shared = select(c, "SELECT queue_id, id, headers, payload FROM spool_messages WHERE "
                + "payload IS NOT NULL AND " + MSG_KEY + " <> ? LIMIT ?", active, max - found);
        found += shared.size();
        for (Object[] r : shared) {
            try {
                done += message(c, rows, ring, "UPDATE spool_messages SET payload = ?, headers = ? WHERE queue_id = ? "
                        + "AND id = ? AND payload = ?", r);
            } catch (SpoolException e) {
                failed++;
            }
        }
        List<Object[]> results = select(c, "SELECT d.grp_id, d.msg_id, q.name, d.result, d.result_type "
                + "FROM spool_deliveries d JOIN spool_groups g ON g.id = d.grp_id "
                + "JOIN spool_queues q ON q.id = g.queue_id "
                + "WHERE d.result IS NOT NULL AND " + TYPE_KEY.formatted("d.result_type") + " <> ? LIMIT ?", active,
                max - found);
        found += results.size();
        for (Object[] r : results) {
            try {
                done += result(c, rows, ring, r);
            } catch (SpoolException e) {
                failed++;
            }
        }
        List<Object[]> locks = select(c, "SELECT name, st_type, st_data FROM spool_locks WHERE st_data IS NOT NULL "
                + "AND " + TYPE_KEY.formatted("st_type") + " <> ? LIMIT ?", active, max - found);
        found += locks.size();
        for (Object[] r : locks) {
            try {
                done += lockState(c, rows, ring, r);
            } catch (SpoolException e) {
                failed++;
            }
        }
        if (failed > 0) {
            // a row that does not open (tampered, or its key gone) is reported on read; here it would
            // be picked again at every pass, so a pass made only of such rows ends the scanning
            LOG.warn("{} rows under an older encryption key do not open (corrupt): left as they are", failed);
        }
        return found == failed ? -1 : done;
    }

    private static List<Object[]> select(Connection c, String sql, String active, int max) throws SQLException {
        List<Object[]> out = new ArrayList<>();
        if (max <= 0) {
            return out;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, active);
            ps.setInt(2, max);
            try (ResultSet rs = ps.executeQuery()) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Object[] row = new Object[n];
                    for (int i = 0; i < n; i++) {
                        row[i] = rs.getObject(i + 1);
                        if (row[i] instanceof java.sql.Array a) {
                            row[i] = a.getArray();
                        }
                    }
                    out.add(row);
                }
            }
        }
        return out;
    }

    /** Row: two key columns, the flat headers, the sealed payload. */
    private static int message(Connection c, AtRestRows rows, Keyring ring, String update, Object[] r)
            throws SQLException {
        String[] headers = ((String[]) r[2]).clone();
        byte[] old = (byte[]) r[3];
        byte[] fresh = rows.resealMessage(ring, headers, old);
        try (PreparedStatement ps = c.prepareStatement(update)) {
            ps.setBytes(1, fresh);
            ps.setArray(2, c.createArrayOf("text", headers));
            ps.setLong(3, ((Number) r[0]).longValue());
            ps.setLong(4, ((Number) r[1]).longValue());
            ps.setBytes(5, old);
            return ps.executeUpdate();
        }
    }

    private static int result(Connection c, AtRestRows rows, Keyring ring, Object[] r) throws SQLException {
        String queue = (String) r[2];
        byte[] old = (byte[]) r[3];
        String oldType = (String) r[4];
        var fresh = rows.sealResultWith(ring, queue, rows.openResult(queue, old, oldType));
        try (PreparedStatement ps = c.prepareStatement("UPDATE spool_deliveries SET result = ?, result_type = ? "
                + "WHERE grp_id = ? AND msg_id = ? AND result_type = ? AND result = ?")) {
            ps.setBytes(1, fresh.payload().toBytes());
            ps.setString(2, fresh.contentType());
            ps.setLong(3, ((Number) r[0]).longValue());
            ps.setLong(4, ((Number) r[1]).longValue());
            ps.setString(5, oldType);
            ps.setBytes(6, old);
            return ps.executeUpdate();
        }
    }

    private static int lockState(Connection c, AtRestRows rows, Keyring ring, Object[] r) throws SQLException {
        String name = (String) r[0];
        String oldType = (String) r[1];
        byte[] old = (byte[]) r[2];
        byte[] plain = rows.openState(name, oldType, dev.spool.api.Payload.of(old)).toBytes();
        String type = AtRestRows.TYPE_MARK + ring.activeId() + ":" + AtRestRows.contentType(oldType);
        byte[] fresh = rows.sealStateWith(ring, name, plain);
        try (PreparedStatement ps = c.prepareStatement("UPDATE spool_locks SET st_data = ?, st_type = ?, st_size = ? "
                + "WHERE name = ? AND st_type = ? AND st_data = ?")) {
            ps.setBytes(1, fresh);
            ps.setString(2, type);
            ps.setLong(3, fresh.length);
            ps.setString(4, name);
            ps.setString(5, oldType);
            ps.setBytes(6, old);
            return ps.executeUpdate();
        }
    }

    /** Logs the progress of a pass. */
    static void log(int done, String active) {
        if (done > 0) {
            LOG.info("re-encrypted {} rows under the active encryption key {}", done, active);
        } else if (done < 0) {
            LOG.info("every row that can be re-encrypted is under the active encryption key {}: older keys are no "
                    + "longer used by rows written before it (payloads and lock states over 256 KiB keep theirs)",
                    active);
        }
    }
}
