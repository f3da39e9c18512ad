package dev.spool.server.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import dev.spool.api.AccessToken;
import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * Authentication and authorization of a server: who a request comes from ({@link #authenticate})
 * and whether they may do something ({@link #require}). Without required authentication every
 * request is {@link Principal#OPEN}.
 *
 * <p>Refusals say as little as possible: {@code 401 unauthorized} does not tell a wrong token from
 * a revoked one, and {@code 403 forbidden} is decided before any storage is read, so it is the
 * same whether the queue exists or not.
 */
public final class Security {
    /** Key of the {@link Principal} in a routing context. */
    public static final String PRINCIPAL = "spool.principal";
    private static final List<Permission> EVERYTHING = List.of(new Permission(Permission.Action.PRODUCE, "*"),
            new Permission(Permission.Action.CONSUME, "*"), new Permission(Permission.Action.ADMIN, "*"),
            new Permission(Permission.Action.LOCK, "*"));

    private final SecurityConfig config;
    private final TokenStore tokens;
    private final Optional<byte[]> adminHash;
    private final TokenCache cache = new TokenCache();

    /**
     * @param config the settings
     * @param tokens the token cache
     */
    public Security(SecurityConfig config, TokenStore tokens) {
        this.config = config;
        this.tokens = tokens;
        this.adminHash = config.adminToken().map(t -> TokenStore.hash(t).getBytes(StandardCharsets.US_ASCII));
    }

    /** The settings. */
    public SecurityConfig config() {
        return config;
    }

    /** The token cache. */
    public TokenStore tokens() {
        return tokens;
    }

    /** Whether requests need an identity. */
    public boolean enabled() {
        return config.authRequired();
    }

    /**
     * Establishes who sent a request: a bearer token if the request carries one, else the verified
     * client certificate.
     *
     * @throws SpoolException {@code unauthorized} without usable credentials
     */
    public Principal authenticate(HttpServerRequest req) {
        if (!config.authRequired()) {
            return Principal.OPEN;
        }
        String auth = req.getHeader("Authorization");
        if (auth != null) {
            if (auth.length() < 8 || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                throw new SpoolException(ErrorCode.UNAUTHORIZED, "Authorization must be 'Bearer <token>'");
            }
            return byToken(auth.substring(7).strip());
        }
        if (req.isSSL()) {
            Optional<String> id = CertIdentity.of(req.sslSession());
            if (id.isPresent()) {
                return new Principal(id.get(), Principal.Kind.CERTIFICATE, "",
                        config.certGrants().getOrDefault(id.get(), List.of()));
            }
        }
        throw new SpoolException(ErrorCode.UNAUTHORIZED, "credentials required: a bearer token or a client certificate");
    }

    private Principal byToken(String secret) {
        long generation = tokens.generation();
        Principal known = cache.get(secret, generation);
        if (known != null) {
            return known;
        }
        Principal p = verify(secret);
        cache.put(secret, generation, p);
        return p;
    }

    private Principal verify(String secret) {
        String hash = TokenStore.hash(secret);
        if (adminHash.isPresent()
                && MessageDigest.isEqual(adminHash.get(), hash.getBytes(StandardCharsets.US_ASCII))) {
            return new Principal("bootstrap-admin", Principal.Kind.BOOTSTRAP, "", EVERYTHING);
        }
        Optional<AccessToken> t = tokens.byHash(hash);
        if (t.isEmpty()) {
            throw new SpoolException(ErrorCode.UNAUTHORIZED, "unknown or revoked token");
        }
        return fromToken(t.get());
    }

    private static Principal fromToken(AccessToken t) {
        List<Permission> perms = new java.util.ArrayList<>(t.permissions().size());
        for (String p : t.permissions()) {
            perms.add(Permission.parse(p));
        }
        return new Principal(t.id() + " (" + t.name() + ")", Principal.Kind.TOKEN, t.secretHash(), perms);
    }

    /**
     * The principal as storage knows it now: a token principal whose token was revoked since is
     * refused. Long-lived connections (streams) call this per frame.
     *
     * @throws SpoolException {@code unauthorized} when the token was revoked
     */
    public Principal current(Principal p) {
        if (p.kind() != Principal.Kind.TOKEN) {
            return p;
        }
        // a token's grants never change (its secret is random and stored once), so its principal
        // stays valid for as long as the token exists: no need to parse the grants again per frame
        if (tokens.byHash(p.tokenHash()).isEmpty()) {
            throw new SpoolException(ErrorCode.UNAUTHORIZED, "unknown or revoked token");
        }
        return p;
    }

    /**
     * Refuses unless {@code p} may do {@code action} on {@code name}.
     *
     * @param what {@code queue} or {@code lock}, for the message
     * @throws SpoolException {@code forbidden}
     */
    public static void require(Principal p, Permission.Action action, String what, String name) {
        if (!p.allows(action, name)) {
            throw forbidden(action.wire() + " on " + what + " '" + name + "'");
        }
    }

    /** Refuses unless {@code p} may do {@code action} on every name. */
    public static void requireEverywhere(Principal p, Permission.Action action) {
        if (!p.allowsEverywhere(action)) {
            throw forbidden(action.wire() + " on '*'");
        }
    }

    static SpoolException forbidden(String what) {
        return new SpoolException(ErrorCode.FORBIDDEN, "not allowed: " + what);
    }

    /**
     * The principal an {@link AuthHandler} attached to the request; {@link Principal#OPEN} without
     * required authentication. Fails closed: with authentication on and none attached, refuses.
     */
    public Principal principal(RoutingContext rc) {
        Principal p = rc.get(PRINCIPAL);
        if (p != null) {
            return p;
        }
        if (config.authRequired()) {
            throw new SpoolException(ErrorCode.UNAUTHORIZED, "credentials required");
        }
        return Principal.OPEN;
    }
}
