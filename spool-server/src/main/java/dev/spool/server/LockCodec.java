package dev.spool.server;

import java.io.IOException;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.LockChecks;
import dev.spool.api.LockFence;
import dev.spool.api.LockHolder;
import dev.spool.api.LockInfo;
import dev.spool.api.LockLease;
import dev.spool.api.LockRequest;
import dev.spool.api.LockStateInfo;
import dev.spool.api.Names;
import dev.spool.api.SpoolException;

/**
 * The wire forms of locks: request bodies and headers read into the SPI's records, and replies
 * written from them. Types are checked here (a token must be a whole number); ranges and the
 * meaning of values (a ttl within the server's bound, a current fence) are the broker's to check.
 *
 * <p>A lease id never leaves the server except in the acquire and keepalive replies to its holder.
 */
final class LockCodec {
    /** The header carrying the holder's lease id on state writes. */
    static final String LEASE_ID = "Spool-Lease-Id";
    /** The header carrying the holder's fencing token on state writes. */
    static final String TOKEN = "Spool-Lock-Token";
    /** The header carrying an expected state version, as {@code If-Match} does. */
    static final String IF_VERSION = "Spool-If-Version";
    /** The reply header carrying the state document's version. */
    static final String VERSION = "Spool-Lock-Version";
    /** Longest lease id accepted from a client. */
    static final int MAX_LEASE_ID = LockChecks.MAX_LEASE_ID_LENGTH;

    private LockCodec() {
    }

    /** The validated {@code {name}} path parameter. */
    static String name(RoutingContext rc) {
        return Names.checkLock(rc.pathParam("name"), "lock");
    }

    /** Reads {@code {owner, ttl_ms, wait_ms}}: owner and ttl_ms required, wait_ms 0 unless given. */
    static LockRequest readAcquire(JsonIn in) throws IOException {
        in.beginDocument("acquire");
        LockRequest r = readAcquireFields(in, Set.of());
        in.endDocument();
        return r;
    }

    /** Reads acquire fields up to the end of the current object, skipping the fields in {@code skip}. */
    static LockRequest readAcquireFields(JsonIn in, Set<String> skip) throws IOException {
        String owner = null;
        long ttl = -1;
        long wait = 0;
        String f;
        while ((f = in.nextField()) != null) {
            if (skip.contains(f) || in.isNull()) {
                in.skip();
                continue;
            }
            switch (f) {
                case "owner" -> owner = in.readString(f);
                case "ttl_ms" -> ttl = in.readLong(f, 1, Long.MAX_VALUE);
                case "wait_ms" -> wait = in.readLong(f, 0, Long.MAX_VALUE);
                default -> throw JsonIn.unknown("", f);
            }
        }
        if (owner == null) {
            throw SpoolException.invalid("owner", "owner is required");
        }
        if (ttl < 0) {
            throw SpoolException.invalid("ttl_ms", "ttl_ms is required");
        }
        return new LockRequest(owner, ttl, wait);
    }

    /** A fence and, for a keepalive, a ttl. */
    record FenceBody(LockFence fence, long ttlMs) {
    }

    /** Reads {@code {lease_id, token}} and, with {@code withTtl}, a required {@code ttl_ms}. */
    static FenceBody readFence(JsonIn in, boolean withTtl) throws IOException {
        in.beginDocument(withTtl ? "keepalive" : "release");
        FenceBody r = readFenceFields(in, withTtl, Set.of());
        in.endDocument();
        return r;
    }

    /** Reads fence fields up to the end of the current object, skipping the fields in {@code skip}. */
    static FenceBody readFenceFields(JsonIn in, boolean withTtl, Set<String> skip) throws IOException {
        String leaseId = null;
        long token = -1;
        long ttl = -1;
        String f;
        while ((f = in.nextField()) != null) {
            if (skip.contains(f) || in.isNull()) {
                in.skip();
                continue;
            }
            switch (f) {
                case "lease_id" -> leaseId = leaseId(in.readString(f), f);
                case "token" -> token = in.readLong(f, 1, Long.MAX_VALUE);
                case "ttl_ms" -> {
                    if (!withTtl) {
                        throw JsonIn.unknown("", f);
                    }
                    ttl = in.readLong(f, 1, Long.MAX_VALUE);
                }
                default -> throw JsonIn.unknown("", f);
            }
        }
        LockFence fence = fence(leaseId, token, "lease_id", "token");
        if (withTtl && ttl < 0) {
            throw SpoolException.invalid("ttl_ms", "ttl_ms is required");
        }
        return new FenceBody(fence, ttl);
    }

    /** The fence of a request, both parts required. */
    static LockFence fence(String leaseId, long token, String leaseField, String tokenField) {
        if (leaseId == null) {
            throw SpoolException.invalid(leaseField, "the lease id is required");
        }
        if (token < 0) {
            throw SpoolException.invalid(tokenField, "the fencing token is required");
        }
        return new LockFence(leaseId, token);
    }

    /** Checks a lease id's form: 1..128 printable ASCII characters. */
    static String leaseId(String v, String field) {
        if (v.isEmpty() || v.length() > MAX_LEASE_ID) {
            throw SpoolException.invalid(field, "a lease id is 1-" + MAX_LEASE_ID + " characters");
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                throw SpoolException.invalid(field, "a lease id is printable ASCII");
            }
        }
        return v;
    }

    /** The fence of a state write or delete, from {@code Spool-Lease-Id} and {@code Spool-Lock-Token}. */
    static LockFence fence(MultiMap h) {
        String id = h.get(LEASE_ID);
        if (id == null) {
            throw SpoolException.invalid("lease_id", "the holder's lease id is required in " + LEASE_ID);
        }
        leaseId(id, "lease_id");
        String t = h.get(TOKEN);
        if (t == null) {
            throw SpoolException.invalid("token", "the holder's fencing token is required in " + TOKEN);
        }
        return new LockFence(id, number(t, "token", TOKEN, 1));
    }

    /**
     * The expected version of a state write or delete: {@code If-Match: "<version>"} or
     * {@code Spool-If-Version: <version>}; empty when neither is given.
     */
    static OptionalLong ifVersion(MultiMap h) {
        String match = h.get("If-Match");
        String plain = h.get(IF_VERSION);
        if (match != null && plain != null) {
            throw SpoolException.invalid("if_version", "give If-Match or " + IF_VERSION + ", not both");
        }
        if (plain != null) {
            return OptionalLong.of(number(plain, "if_version", IF_VERSION, 0));
        }
        if (match == null) {
            return OptionalLong.empty();
        }
        String m = match.strip();
        if (m.length() < 3 || m.charAt(0) != '"' || m.charAt(m.length() - 1) != '"') {
            throw SpoolException.invalid("if_version", "If-Match takes an entity tag \"<version>\" as returned in ETag");
        }
        return OptionalLong.of(number(m.substring(1, m.length() - 1), "if_version", "If-Match", 0));
    }

    private static long number(String v, String field, String header, long min) {
        long n;
        try {
            n = Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw SpoolException.invalid(field, header + " must be a whole number");
        }
        if (n < min) {
            throw SpoolException.invalid(field, header + " must be at least " + min + ", got " + n);
        }
        return n;
    }

    /** The entity tag of a state version. */
    static String etag(long version) {
        return "\"" + version + "\"";
    }

    /** Writes a lease as its holder sees it: {@code {name, lease_id, token, owner, expires_at}}. */
    static void writeLease(JsonGenerator g, LockLease l) throws IOException {
        g.writeStartObject();
        writeLeaseFields(g, l);
        g.writeEndObject();
    }

    /** Writes the fields of {@link #writeLease} into the current object. */
    static void writeLeaseFields(JsonGenerator g, LockLease l) throws IOException {
        g.writeStringField("name", l.name());
        g.writeStringField("lease_id", l.leaseId());
        g.writeNumberField("token", l.token());
        g.writeStringField("owner", l.owner());
        g.writeNumberField("expires_at", l.expiresAt());
    }

    /** Writes a lock as anyone sees it (never a lease id). */
    static void writeInfo(JsonGenerator g, LockInfo i) throws IOException {
        g.writeStartObject();
        g.writeStringField("name", i.name());
        if (i.holder().isPresent()) {
            g.writeFieldName("holder");
            writeHolder(g, i.holder().get());
        } else {
            g.writeNullField("holder");
        }
        g.writeNumberField("waiters", i.waiters());
        g.writeNumberField("last_token", i.lastToken());
        if (i.state().isPresent()) {
            g.writeFieldName("state");
            writeStateInfo(g, i.state().get());
        } else {
            g.writeNullField("state");
        }
        g.writeEndObject();
    }

    static void writeHolder(JsonGenerator g, LockHolder h) throws IOException {
        g.writeStartObject();
        g.writeStringField("owner", h.owner());
        g.writeNumberField("token", h.token());
        g.writeNumberField("acquired_at", h.acquiredAt());
        g.writeNumberField("expires_at", h.expiresAt());
        g.writeEndObject();
    }

    /** Writes {@code {version, content_type, size, updated_at, token}}. */
    static void writeStateInfo(JsonGenerator g, LockStateInfo s) throws IOException {
        g.writeStartObject();
        g.writeNumberField("version", s.version());
        g.writeStringField("content_type", s.contentType());
        g.writeNumberField("size", s.size());
        g.writeNumberField("updated_at", s.updatedAt());
        g.writeNumberField("token", s.token());
        g.writeEndObject();
    }

    /** Writes a page of locks, with {@code next_after} when the page is full. */
    static void writeList(JsonGenerator g, List<LockInfo> locks, int limit) throws IOException {
        g.writeStartObject();
        g.writeArrayFieldStart("locks");
        for (LockInfo i : locks) {
            writeInfo(g, i);
        }
        g.writeEndArray();
        if (!locks.isEmpty() && locks.size() == limit) {
            g.writeStringField("next_after", locks.get(locks.size() - 1).name());
        }
        g.writeEndObject();
    }

    /**
     * Writes the {@code lock_held} error with who holds the lock until when:
     * {@code {"error":{"code","message","field","holder":{owner, token, acquired_at, expires_at}}}}.
     */
    static void writeHeld(JsonGenerator g, SpoolException e, LockHolder h) throws IOException {
        g.writeStartObject();
        g.writeFieldName("error");
        g.writeStartObject();
        g.writeStringField("code", e.code().id());
        g.writeStringField("message", heldMessage(e, h));
        if (e.field().isPresent()) {
            g.writeStringField("field", e.field().get());
        }
        g.writeFieldName("holder");
        writeHolder(g, h);
        g.writeEndObject();
        g.writeEndObject();
    }

    private static String heldMessage(SpoolException e, LockHolder h) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        if (m.contains(h.owner()) && m.contains(Long.toString(h.expiresAt()))) {
            return m;
        }
        String owner = h.owner().length() > 64 ? h.owner().substring(0, 64) + "..." : h.owner();
        return "the lock is held by " + owner + " (token " + h.token() + ") until "
                + java.time.Instant.ofEpochMilli(h.expiresAt()) + " (expires_at " + h.expiresAt() + ")";
    }
}
