package dev.spool.server.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;

import dev.spool.api.SipHash;

/**
 * Principals of bearer secrets already verified, so that a request with a known secret costs a
 * keyed hash and a constant-time compare instead of a SHA-256, a lookup and the parsing of its
 * permissions. Isolates the trade of memory for that work, and its two bounds:
 * <ul>
 *   <li>Revocation: each entry holds the {@link TokenStore#generation()} it was verified under
 *       and is ignored once the store has loaded anything else, so a revoked token is refused at
 *       the same moment as without the cache (the store reloads every {@link TokenStore#REFRESH_MS}).
 *   <li>Memory: at most {@link #MAX} entries; a full cache is emptied and fills again. Only secrets
 *       that verified are kept, so guessing cannot fill it.
 * </ul>
 * Entries are keyed by SipHash-2-4 of the secret under a random per-process key, which an attacker
 * cannot aim collisions at; the stored secret is then compared in constant time. The secrets stay
 * in memory only here and in the requests that carried them, and are never written anywhere.
 */
final class TokenCache {
    /** Most entries kept. */
    static final int MAX = 1024;

    private final SipHash sip;
    private final ConcurrentHashMap<Long, Entry> entries = new ConcurrentHashMap<>();

    private record Entry(byte[] secret, long generation, Principal principal) {
    }

    TokenCache() {
        byte[] key = new byte[16];
        new SecureRandom().nextBytes(key);
        this.sip = new SipHash(key);
    }

    /** The principal of {@code secret} verified under {@code generation}, or null. */
    Principal get(String secret, long generation) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        Entry e = entries.get(sip.hash(bytes));
        if (e == null || e.generation != generation || !MessageDigest.isEqual(e.secret, bytes)) {
            return null;
        }
        return e.principal;
    }

    /** Remembers that {@code secret} verified as {@code p} under {@code generation}. */
    void put(String secret, long generation, Principal p) {
        if (entries.size() >= MAX) {
            entries.clear();
        }
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        entries.put(sip.hash(bytes), new Entry(bytes, generation, p));
    }

    /** Entries held (for tests). */
    int size() {
        return entries.size();
    }
}
