package dev.spool.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Array;
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

import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.Outcomes;
import dev.spool.api.Payload;
import dev.spool.api.ReceiptOutcome;
import dev.spool.api.Receipts;
import dev.spool.api.TaskResult;

/**
 * The message hot path on one connection: push (with chunked large payloads), pop, ack, nack and
 * extend. Each is one call of a SQL function; the caller chooses autocommit or a transaction.
 */
final class MessageOps {
    private MessageOps() {
    }

    /** Whether pushing these messages needs a transaction (a payload is stored in chunks). */
    static boolean needsTx(List<NewMessage> messages) {
        for (NewMessage m : messages) {
            if (m.body().payload().size() > Codec.INLINE_MAX) {
                return true;
            }
        }
        return false;
    }

    /** Pushes a batch; returns the ids in request order. Chunked payloads need a transaction. */
    static long[] push(Db db, Connection c, String queue, boolean create, List<NewMessage> messages)
            throws SQLException, IOException {
        PGConnection pg = c.unwrap(PGConnection.class);
        int n = messages.size();
        long[] sizes = new long[n];
        for (int i = 0; i < n; i++) {
            sizes[i] = messages.get(i).body().payload().size();
        }
        boolean seal = db.atRest.sealsQueue(queue);
        if (seal) {
            // sizes and the inline or chunked choice stay the plaintext's (needsTx decided on them)
            List<NewMessage> sealed = new ArrayList<>(n);
            for (NewMessage m : messages) {
                sealed.add(db.atRest.seal(m));
            }
            messages = sealed;
        }
        byte[][] payloads = new byte[n][];
        String[] ctypes = new String[n];
        String[] keys = new String[n];
        int[] prios = new int[n];
        String[] traces = new String[n];
        long[] delays = new long[n];
        long[] notBefore = new long[n];
        long[] ttls = new long[n];
        String[] dedup = new String[n];
        int[] hfrom = new int[n];
        int[] hto = new int[n];
        List<String> headers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            NewMessage m = messages.get(i);
            Payload p = m.body().payload();
            payloads[i] = sizes[i] <= Codec.INLINE_MAX ? p.toBytes() : null;
            ctypes[i] = m.body().contentType();
            keys[i] = m.body().key().orElse(null);
            prios[i] = m.body().priority();
            traces[i] = m.body().traceparent().orElse(null);
            delays[i] = m.delayMs();
            notBefore[i] = m.notBeforeMs();
            ttls[i] = m.ttlMs();
            dedup[i] = m.dedupId().orElse(null);
            hfrom[i] = headers.size() + 1;
            Codec.flatten(m.body().headers(), headers);
            hto[i] = headers.size();
        }
        long[] ids;
        boolean[] stored;
        try (PreparedStatement ps = c.prepareStatement(Sql.get("push"))) {
            ps.setString(1, queue);
            ps.setBoolean(2, create);
            ps.setArray(3, pg.createArrayOf("bytea", payloads));
            ps.setArray(4, pg.createArrayOf("int8", sizes));
            ps.setArray(5, pg.createArrayOf("text", ctypes));
            ps.setArray(6, pg.createArrayOf("text", headers.toArray(new String[0])));
            ps.setArray(7, pg.createArrayOf("int4", hfrom));
            ps.setArray(8, pg.createArrayOf("int4", hto));
            ps.setArray(9, pg.createArrayOf("text", keys));
            ps.setArray(10, pg.createArrayOf("int4", prios));
            ps.setArray(11, pg.createArrayOf("text", traces));
            ps.setArray(12, pg.createArrayOf("int8", delays));
            ps.setArray(13, pg.createArrayOf("int8", notBefore));
            ps.setArray(14, pg.createArrayOf("int8", ttls));
            ps.setArray(15, pg.createArrayOf("text", dedup));
            ps.setBoolean(16, seal);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                ids = Codec.longs(rs.getArray(1));
                Boolean[] s = (Boolean[]) rs.getArray(2).getArray();
                stored = new boolean[n];
                for (int i = 0; i < n; i++) {
                    stored[i] = s[i];
                }
            }
        }
        for (int i = 0; i < n; i++) {
            if (payloads[i] == null && stored[i]) {
                insertChunks(c, ids[i], messages.get(i).body().payload());
            }
        }
        return ids;
    }

    /** Streams a large payload into chunks; at most one chunk is on the heap at a time. */
    private static void insertChunks(Connection c, long id, Payload payload) throws SQLException, IOException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("insert_chunk"));
                InputStream in = payload.openStream()) {
            long left = payload.size();
            for (int seq = 0; left > 0; seq++) {
                byte[] chunk = in.readNBytes((int) Math.min(Codec.CHUNK, left));
                if (chunk.length == 0) {
                    throw new IOException("payload ended " + left + " bytes early");
                }
                ps.setLong(1, id);
                ps.setInt(2, seq);
                ps.setBytes(3, chunk);
                ps.executeUpdate();
                left -= chunk.length;
            }
        }
    }

    /** Leases up to {@code max} messages; their receipts are signed with the group's id. */
    static List<Delivery> pop(Db db, Connection c, ReceiptSigner signer, String queue, String group, boolean create,
            int max, long vis) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("pop"))) {
            ps.setString(1, queue);
            ps.setString(2, group);
            ps.setBoolean(3, create);
            ps.setInt(4, max);
            ps.setLong(5, vis);
            try (ResultSet rs = ps.executeQuery()) {
                List<Delivery> out = new ArrayList<>();
                long grp = 0;
                while (rs.next()) {
                    long id = rs.getLong("msg_id");
                    int attempts = rs.getInt("attempts");
                    grp = rs.getLong("grp_id");
                    out.add(new Delivery(id, attempts, rs.getLong("enqueued_at"), rs.getLong("lease_end"),
                            Codec.body(db, id, rs), signer.tag(grp, id, attempts), rs.getLong("first_at")));
                }
                if (grp != 0) {
                    signer.remember(queue, group, grp);
                }
                return out;
            }
        }
    }

    /** When the next delay or lease of the group ends, relative to now (ms), or -1 when none. */
    static long nextDueIn(Connection c, String queue, String group) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("next_due"))) {
            ps.setString(1, queue);
            ps.setString(2, group);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long due = rs.getLong(1);
                return rs.wasNull() ? -1 : Math.max(0, due - rs.getLong(2));
            }
        }
    }

    static Outcomes ack(Connection c, ReceiptSigner signer, String queue, String group, Receipts r,
            Optional<TaskResult> result) throws SQLException {
        return ack(c, signer, queue, group, Batch.of(r), result);
    }

    static Outcomes ack(Connection c, ReceiptSigner signer, String queue, String group, Batch b,
            Optional<TaskResult> result) throws SQLException {
        return signed(c, signer, queue, group, b, "ack", ps -> {
            if (result.isPresent()) {
                ps.setBytes(6, result.get().payload().toBytes());
                ps.setString(7, result.get().contentType());
            } else {
                ps.setNull(6, Types.BINARY);
                ps.setNull(7, Types.VARCHAR);
            }
        });
    }

    static Outcomes nack(Connection c, ReceiptSigner signer, String queue, String group, Receipts r,
            OptionalLong delay, Optional<String> reason, boolean deadLetter) throws SQLException {
        if (deadLetter) {
            return signed(c, signer, queue, group, Batch.of(r), "kill", ps -> ps.setString(6, reason.orElse(null)));
        }
        return signed(c, signer, queue, group, Batch.of(r), "nack", ps -> {
            if (delay.isPresent()) {
                ps.setLong(6, delay.getAsLong());
            } else {
                ps.setNull(6, Types.BIGINT);
            }
            ps.setString(7, reason.orElse(null));
        });
    }

    static Outcomes extend(Connection c, ReceiptSigner signer, String queue, String group, Receipts r, long vis)
            throws SQLException {
        return signed(c, signer, queue, group, Batch.of(r), "extend", ps -> ps.setLong(6, vis));
    }

    /** Receipts as the arrays the functions take, with their tags. */
    record Batch(long[] ids, int[] fences, long[] tags) {
        static Batch of(Receipts r) {
            int n = r.size();
            long[] ids = new long[n];
            int[] fences = new int[n];
            long[] tags = new long[n];
            for (int i = 0; i < n; i++) {
                ids[i] = r.id(i);
                fences[i] = r.fence(i);
                tags[i] = r.tag(i);
            }
            return new Batch(ids, fences, tags);
        }
    }

    /** Binds the parameters of a statement after its receipts. */
    @FunctionalInterface
    private interface Rest {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /**
     * Runs an ack, nack or extend statement for the receipts whose tag this database signed; the
     * others are {@code not_found} without reaching SQL. When the queue or group is unknown, the
     * statement runs with every receipt and reports that (or, if the group appeared meanwhile,
     * answers {@code not_found} for all: its id is not the one checked).
     */
    private static Outcomes signed(Connection c, ReceiptSigner signer, String queue, String group, Batch b,
            String statement, Rest rest) throws SQLException {
        int n = b.ids().length;
        ReceiptSigner.Checked k = signer.check(c, queue, group, b.ids(), b.fences(), b.tags());
        if (k.grp() == 0 || k.count() == n) {
            return run(c, statement, queue, group, k.grp(), b.ids(), b.fences(), rest);
        }
        Outcomes.Builder out = Outcomes.builder(n);
        for (int i = 0; i < n; i++) {
            out.set(i, ReceiptOutcome.NOT_FOUND);
        }
        if (k.count() == 0) {
            return out.build();
        }
        long[] ids = new long[k.count()];
        int[] fences = new int[k.count()];
        for (int i = 0, j = 0; i < n; i++) {
            if (k.good()[i]) {
                ids[j] = b.ids()[i];
                fences[j++] = b.fences()[i];
            }
        }
        Outcomes some = run(c, statement, queue, group, k.grp(), ids, fences, rest);
        for (int i = 0, j = 0; i < n; i++) {
            if (k.good()[i]) {
                out.set(i, some.get(j++));
            }
        }
        return out.build();
    }

    private static Outcomes run(Connection c, String statement, String queue, String group, long grp, long[] ids,
            int[] fences, Rest rest) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        try (PreparedStatement ps = c.prepareStatement(Sql.get(statement))) {
            ps.setString(1, queue);
            ps.setString(2, group);
            ps.setLong(3, grp);
            ps.setArray(4, pg.createArrayOf("int8", ids));
            ps.setArray(5, pg.createArrayOf("int4", fences));
            rest.bind(ps);
            return outcomes(ps);
        }
    }

    private static Outcomes outcomes(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            Array a = rs.getArray(1);
            Short[] codes = (Short[]) a.getArray();
            Outcomes.Builder b = Outcomes.builder(codes.length);
            for (int i = 0; i < codes.length; i++) {
                b.set(i, switch (codes[i]) {
                    case 0 -> ReceiptOutcome.OK;
                    case 1 -> ReceiptOutcome.STALE;
                    default -> ReceiptOutcome.NOT_FOUND;
                });
            }
            return b.build();
        }
    }
}
