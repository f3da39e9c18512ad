package dev.spool.api;

import java.util.HexFormat;
import java.util.List;

/**
 * A bearer token as storage keeps it: never the secret, only its SHA-256 hash (DESIGN §4).
 *
 * <p>The server makes the secret (256 random bits), shows it once to whoever created the token and
 * hands only this record to {@link Broker#putToken}. Every server of a PostgreSQL cluster, and the
 * embedded journal across restarts, see the same tokens.
 *
 * @param id public identifier (shown by {@code spool token list}, used by {@code revoke}); 1 to 64
 *        characters of {@code [A-Za-z0-9_-]}
 * @param name a label chosen by the creator (1 to 128 characters)
 * @param secretHash the SHA-256 of the secret, 32 bytes, as 64 lower-case hex digits
 * @param permissions grants such as {@code produce:orders.*}; checked by the server, stored as given
 * @param createdAt epoch ms of its creation
 */
public record AccessToken(String id, String name, String secretHash, List<String> permissions, long createdAt) {
    /** Most permissions one token may carry. */
    public static final int MAX_PERMISSIONS = 100;

    /**
     * Checks the fields and copies the list.
     *
     * @throws SpoolException {@code invalid_argument} naming the field at fault
     */
    public AccessToken {
        if (id == null || !id.matches("[A-Za-z0-9_-]{1,64}")) {
            throw SpoolException.invalid("id", "id is 1 to 64 characters of A-Z a-z 0-9 _ -");
        }
        if (name == null || name.isEmpty() || name.length() > 128 || name.chars().anyMatch(Character::isISOControl)) {
            throw SpoolException.invalid("name", "name is 1 to 128 printable characters");
        }
        if (secretHash == null || secretHash.length() != 64 || !isHex(secretHash)) {
            throw SpoolException.invalid("secret_hash", "secret_hash is 64 lower-case hex digits");
        }
        if (permissions == null || permissions.size() > MAX_PERMISSIONS) {
            throw SpoolException.invalid("permissions", "at most " + MAX_PERMISSIONS + " permissions");
        }
        for (String p : permissions) {
            if (p == null || p.isEmpty() || p.length() > 300) {
                throw SpoolException.invalid("permissions", "a permission is 1 to 300 characters");
            }
        }
        permissions = List.copyOf(permissions);
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return HexFormat.of().parseHex(s).length == 32;
    }

    /** Never shows the hash (this form may reach logs). */
    @Override
    public String toString() {
        return "AccessToken[id=" + id + ", name=" + name + ", permissions=" + permissions + "]";
    }
}
