package dev.spool.server.sqs;

import java.util.List;
import java.util.Optional;

import io.vertx.core.http.HttpServerRequest;

import dev.spool.api.SpoolException;
import dev.spool.server.security.Principal;
import dev.spool.server.security.Security;

/**
 * Who an SQS request comes from. Without required authentication on the server, only the
 * signature rules of {@link SqsConfig} apply and everyone is {@link Principal#OPEN}. With
 * {@code auth: required}:
 * <ul>
 * <li>a request signed with Signature Version 4 must verify against one of {@code sqs-access-keys};
 * the access key is then the identity, holding the permissions {@code sqs-key-grants} gives it
 * (none if it is not listed);</li>
 * <li>a request with a Spool bearer token or a verified client certificate is that identity, as on
 * the native API (for tools that are not SQS SDKs);</li>
 * <li>anything else, unsigned requests included ({@code sqs-allow-unsigned} has no effect), is
 * refused with SQS's own codes: {@code MissingAuthenticationToken}, {@code InvalidClientTokenId},
 * {@code SignatureDoesNotMatch} (403).</li>
 * </ul>
 */
final class SqsAuth {
    private final SqsConfig config;
    private final SigV4 sigV4;
    private final Optional<Security> security;

    SqsAuth(SqsConfig config, Optional<Security> security) {
        this.config = config;
        this.sigV4 = new SigV4(config);
        this.security = security;
    }

    /** Whether the server requires every request to carry an identity. */
    boolean required() {
        return security.isPresent() && security.get().enabled();
    }

    /**
     * The caller of a request.
     *
     * @throws SqsError the SQS authentication error when the request may not pass
     */
    Caller authenticate(HttpServerRequest req, byte[] body) {
        if (!required()) {
            return new Caller(sigV4.verify(req, body), Principal.OPEN);
        }
        String authz = req.getHeader("Authorization");
        if (authz != null && !authz.regionMatches(true, 0, "Bearer ", 0, 7)) {
            if (config.accessKeys().isEmpty()) {
                throw SqsError.invalidClientTokenId();
            }
            String key = sigV4.verifySigned(req, body);
            return new Caller(key, new Principal("sqs key " + key, Principal.Kind.ACCESS_KEY, "",
                    config.keyGrants().getOrDefault(key, List.of())));
        }
        try {
            return new Caller(config.accountId(), security.get().authenticate(req));
        } catch (SpoolException e) {
            throw authz == null ? SqsError.missingAuthentication() : SqsError.invalidClientTokenId();
        }
    }

    /**
     * An authenticated caller.
     *
     * @param senderId the {@code SenderId} of the messages it sends: the access key id, or the account
     * @param principal what it may do
     */
    record Caller(String senderId, Principal principal) {
    }
}
