package dev.spool.server.sqs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.spool.api.SpoolException;
import dev.spool.server.security.Permission;
import dev.spool.server.security.SecurityConfig;

/**
 * Settings of the SQS-compatible endpoint ({@code docs/sqs.md}).
 *
 * @param enabled serve the SQS protocols on the server's port
 * @param accountId the 12-digit account in queue URLs and ARNs
 * @param region the region in ARNs
 * @param accessKeys access key id to secret key; requests must be signed (SigV4) by one of them.
 *        Empty: no request is authenticated (signed or not), like the rest of the API today
 * @param allowUnsigned with access keys configured, also accept requests that carry no signature
 *        (for local testing); a request that is signed is always verified. Has no effect when the
 *        server requires authentication ({@code auth: required})
 * @param keyGrants the permissions of each access key when the server requires authentication:
 *        the key is the Spool identity of the requests it signs ({@code docs/security.md}). A key
 *        not listed is authenticated but holds no permission. Without required authentication the
 *        grants are not used (everyone may do everything, as on the rest of the API)
 */
public record SqsConfig(boolean enabled, String accountId, String region, Map<String, String> accessKeys,
        boolean allowUnsigned, Map<String, List<Permission>> keyGrants) {

    /** On, account {@code 000000000000}, region {@code us-east-1}, no access keys. */
    public static final SqsConfig DEFAULTS = new SqsConfig(true, "000000000000", "us-east-1", Map.of(), false);

    /** Checks the values. */
    public SqsConfig {
        if (accountId == null || region == null || accessKeys == null || keyGrants == null) {
            throw new IllegalArgumentException("sqs config fields must not be null");
        }
        if (!accountId.matches("[0-9]{12}")) {
            throw SpoolException.invalid("sqs-account-id", "must be 12 digits, got '" + accountId + "'");
        }
        if (!region.matches("[a-z0-9-]{1,64}")) {
            throw SpoolException.invalid("sqs-region", "must be a region name such as us-east-1");
        }
        accessKeys = Map.copyOf(accessKeys);
        keyGrants = Map.copyOf(keyGrants);
        for (String id : keyGrants.keySet()) {
            if (!accessKeys.containsKey(id)) {
                throw SpoolException.invalid("sqs-key-grants",
                        "sqs-key-grants names access key '" + id + "', which is not in sqs-access-keys");
            }
        }
    }

    /** Settings without key grants. */
    public SqsConfig(boolean enabled, String accountId, String region, Map<String, String> accessKeys,
            boolean allowUnsigned) {
        this(enabled, accountId, region, accessKeys, allowUnsigned, Map.of());
    }

    /**
     * Parses {@code keyid=perm,perm;keyid=perm}, e.g. {@code AKIDORDERS=produce:orders.*,consume:orders.*}.
     *
     * @throws SpoolException {@code invalid_argument} naming {@code sqs-key-grants}
     */
    public static Map<String, List<Permission>> parseKeyGrants(String text) {
        try {
            return SecurityConfig.parseGrants(text);
        } catch (SpoolException e) {
            throw SpoolException.invalid("sqs-key-grants", "sqs-key-grants: " + e.getMessage()
                    .replace("cert-grants is identity=", "it is keyid="));
        }
    }

    /**
     * Parses {@code id:secret,id:secret}.
     *
     * @throws SpoolException {@code invalid_argument} naming {@code sqs-access-keys}
     */
    public static Map<String, String> parseAccessKeys(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : text.split(",")) {
            String p = pair.trim();
            if (p.isEmpty()) {
                continue;
            }
            int colon = p.indexOf(':');
            if (colon <= 0 || colon == p.length() - 1) {
                // the pair is not quoted: it holds a secret
                throw SpoolException.invalid("sqs-access-keys", "expected id:secret pairs separated by commas");
            }
            out.put(p.substring(0, colon), p.substring(colon + 1));
        }
        return out;
    }

    /** A copy with the endpoint on or off. */
    public SqsConfig withEnabled(boolean v) {
        return new SqsConfig(v, accountId, region, accessKeys, allowUnsigned, keyGrants);
    }

    /** A copy with other access keys. */
    public SqsConfig withAccessKeys(Map<String, String> v) {
        return new SqsConfig(enabled, accountId, region, v, allowUnsigned, keyGrants);
    }

    /** A copy that accepts unsigned requests or not. */
    public SqsConfig withAllowUnsigned(boolean v) {
        return new SqsConfig(enabled, accountId, region, accessKeys, v, keyGrants);
    }

    /** A copy with other permissions for the access keys. */
    public SqsConfig withKeyGrants(Map<String, List<Permission>> v) {
        return new SqsConfig(enabled, accountId, region, accessKeys, allowUnsigned, v);
    }

    /** Never shows the secrets. */
    @Override
    public String toString() {
        return "SqsConfig[enabled=" + enabled + ", accountId=" + accountId + ", region=" + region + ", accessKeys="
                + accessKeys.keySet() + ", allowUnsigned=" + allowUnsigned + ", keyGrants=" + keyGrants + "]";
    }
}
