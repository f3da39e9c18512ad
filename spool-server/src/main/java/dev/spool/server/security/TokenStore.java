package dev.spool.server.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.AccessToken;
import dev.spool.api.Broker;
import dev.spool.api.SpoolException;

/**
 * The server's view of the access tokens in storage: a map from secret hash to token, reloaded
 * from {@link Broker#listTokens()} every {@link #REFRESH_MS} so that a token revoked on any server
 * of a cluster is refused by every server within a second. Creating or revoking a token through
 * this server reloads at once.
 *
 * <p>Secrets are 256 random bits (base64url, prefixed {@code spl_}); only their SHA-256 leaves this
 * class, and the secret itself is returned once to the creator. Isolates the relation to storage:
 * a failed reload keeps the last map (and logs, without any secret).
 */
public final class TokenStore {
    /** Period of the reload from storage. */
    public static final long REFRESH_MS = 500;
    private static final Logger LOG = LoggerFactory.getLogger(TokenStore.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Broker broker;
    private volatile Map<String, AccessToken> byHash = Map.of();
    /** Bumped whenever a reload loads a different set; verifications cached under an older one are void. */
    private volatile long generation;
    private volatile boolean failing;
    private long timer = -1;

    /** A token just created, with its secret (shown once, never stored). */
    public record Created(AccessToken token, String secret) {
        @Override
        public String toString() {
            return "Created[" + token + "]";
        }
    }

    /**
     * @param broker the storage of tokens
     */
    public TokenStore(Broker broker) {
        this.broker = broker;
    }

    /** Loads the tokens, then reloads them periodically on {@code vertx} until {@link #stop}. */
    public CompletionStage<Void> start(Vertx vertx) {
        return reload().thenRun(() -> {
            synchronized (this) {
                timer = vertx.setPeriodic(REFRESH_MS, id -> reload());
            }
        });
    }

    /** Stops the periodic reload. */
    public synchronized void stop(Vertx vertx) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
            timer = -1;
        }
    }

    /** Reloads from storage now. */
    public CompletionStage<Void> reload() {
        return broker.listTokens().handle((list, e) -> {
            if (e != null) {
                if (!failing) {
                    LOG.atWarn().addKeyValue("error", String.valueOf(SpoolExceptionText.of(e)))
                            .log("cannot reload access tokens; the last loaded set stays in force");
                }
                failing = true;
                return null;
            }
            failing = false;
            Map<String, AccessToken> m = new HashMap<>(list.size() * 2);
            for (AccessToken t : list) {
                m.put(t.secretHash(), t);
            }
            install(m);
            return null;
        });
    }

    /** The map first, then the number: whoever sees the new number also sees the new map. */
    private synchronized void install(Map<String, AccessToken> m) {
        if (!m.equals(byHash)) {
            byHash = m;
            generation++;
        }
    }

    /**
     * A number that changes whenever the loaded set of tokens changes (a token created or revoked,
     * here or on another server): what was verified under another number must be verified again.
     */
    public long generation() {
        return generation;
    }

    /** The token whose secret has this hash, if it exists and is not revoked. */
    public Optional<AccessToken> byHash(String hash) {
        return Optional.ofNullable(byHash.get(hash));
    }

    /**
     * Creates a token with a new secret.
     *
     * @param name its label
     * @param permissions its grants, each {@code action:pattern} (checked here)
     * @return completes with the stored token and its secret
     */
    public CompletionStage<Created> create(String name, List<String> permissions) {
        List<String> perms = new ArrayList<>(permissions.size());
        try {
            for (String p : permissions) {
                perms.add(Permission.parse(p).toString());
            }
            byte[] secretBytes = new byte[32];
            RANDOM.nextBytes(secretBytes);
            String secret = "spl_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
            byte[] idBytes = new byte[9];
            RANDOM.nextBytes(idBytes);
            String id = "tok_" + HexFormat.of().formatHex(idBytes);
            AccessToken t = new AccessToken(id, name, hash(secret), perms, System.currentTimeMillis());
            return broker.putToken(t).thenCompose(stored -> reload().thenApply(v -> new Created(stored, secret)));
        } catch (SpoolException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Revokes a token and reloads. */
    public CompletionStage<Void> revoke(String id) {
        return broker.revokeToken(id).thenCompose(v -> reload());
    }

    /** Every token not revoked, by id (hashes included; callers never show them). */
    public CompletionStage<List<AccessToken>> list() {
        return broker.listTokens();
    }

    /** The SHA-256 of a secret, as 64 lower-case hex digits. */
    public static String hash(String secret) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The code and message of a failure, for a log line (never a secret: none reaches storage). */
    private static final class SpoolExceptionText {
        static String of(Throwable e) {
            Throwable c = e;
            while (c.getCause() != null && !(c instanceof SpoolException)) {
                c = c.getCause();
            }
            return c instanceof SpoolException s ? s.code().id() + ": " + s.getMessage() : c.getClass().getName();
        }
    }
}
