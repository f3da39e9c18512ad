package dev.spool.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.spool.api.MessageBody;
import dev.spool.api.MessageState;
import dev.spool.api.MessageView;
import dev.spool.api.TaskResult;

/** Reads without leasing: the task view, browse, and redrive of dead letters. */
final class ViewOps {
    private ViewOps() {
    }

    /**
     * A task view with what a waiter needs to know when to look again.
     *
     * @param view the view
     * @param expiresAt when the message's TTL ends (database clock)
     * @param nowMs the database clock when the view was taken
     */
    record Snapshot(MessageView view, long expiresAt, long nowMs) {
    }

    static MessageState state(int code) {
        return switch (code) {
            case 0 -> MessageState.READY;
            case 1, 2 -> MessageState.DELAYED;
            case 3 -> MessageState.IN_FLIGHT;
            case 4 -> MessageState.ACKED;
            default -> MessageState.DEAD;
        };
    }

    static Snapshot get(Db db, Connection c, String queue, String group, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("get"))) {
            ps.setString(1, queue);
            ps.setString(2, group);
            ps.setLong(3, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                int code = rs.getInt("state");
                MessageState st = state(code);
                long avail = code == 1 || code == 3 ? rs.getLong("avail_at") : 0;
                byte[] result = rs.getBytes("result");
                Optional<TaskResult> r = result == null ? Optional.empty()
                        : Optional.of(db.atRest.openResult(queue, result, rs.getString("result_type")));
                Optional<MessageBody> body = rs.getBoolean("has_body") ? Optional.of(Codec.body(db, id, rs))
                        : Optional.empty();
                MessageView v = new MessageView(id, queue, group, st, rs.getInt("attempts"), rs.getLong("enqueued_at"),
                        avail, Optional.ofNullable(rs.getString("last_error")), r, body);
                return new Snapshot(v, rs.getLong("expires_at"), rs.getLong("now_ms"));
            }
        }
    }

    /** Browse; state code 0 ready, 1 delayed, 3 in flight, 5 dead letters. */
    static List<MessageView> browse(Db db, Connection c, String queue, String group, int state, int limit, long after)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get("browse"))) {
            ps.setString(1, queue);
            ps.setString(2, group);
            ps.setInt(3, state);
            ps.setInt(4, limit);
            ps.setLong(5, after);
            List<MessageView> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int code = rs.getInt("state");
                    long avail = code == 1 || code == 3 ? rs.getLong("avail_at") : 0;
                    MessageBody body = Codec.body(db, rs.getLong("body_id"), rs);
                    out.add(new MessageView(rs.getLong("msg_id"), queue, group, state(code), rs.getInt("attempts"),
                            rs.getLong("enqueued_at"), avail, Optional.ofNullable(rs.getString("last_error")),
                            Optional.empty(), Optional.of(body)));
                }
            }
            return out;
        }
    }

    static long redrive(Connection c, String queue, String group, int limit, java.util.List<Long> ids)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(Sql.get(ids.isEmpty() ? "redrive" : "redrive_ids"))) {
            ps.setString(1, queue);
            ps.setString(2, group);
            ps.setInt(3, limit);
            if (!ids.isEmpty()) {
                ps.setArray(4, c.createArrayOf("bigint", ids.toArray()));
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
