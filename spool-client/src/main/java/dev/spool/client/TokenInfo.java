package dev.spool.client;

import java.util.List;

/**
 * An access token as the server lists it: never its secret nor its hash.
 *
 * @param id its id (what {@link SpoolClient#revokeToken} takes)
 * @param name its label
 * @param permissions its grants, e.g. {@code produce:orders.*}
 * @param createdAt epoch ms of its creation
 */
public record TokenInfo(String id, String name, List<String> permissions, long createdAt) {
    /** Copies the list. */
    public TokenInfo {
        permissions = List.copyOf(permissions);
    }

    /**
     * A token just created, with its secret: the only time the secret is shown.
     *
     * @param token the token
     * @param secret the bearer secret
     */
    public record Created(TokenInfo token, String secret) {
        /** Never shows the secret. */
        @Override
        public String toString() {
            return "Created[" + token + "]";
        }
    }
}
