package dev.spool.server.sqs;

import java.util.LinkedHashMap;
import java.util.Map;

import dev.spool.api.SpoolException;

/**
 * Settings of the SQS-compatible endpoint ({@code docs/sqs.md}).
 *
 * @param enabled serve the SQS protocols on the server's port
 * @param accountId the 12-digit account in queue URLs and ARNs
 * @param region the region in ARNs
 * @param accessKeys access key id to secret key; requests must be signed (SigV4) by one of them.
 *        Empty: no request is authenticated (signed or not), like the rest of the API today
 * @param allowUnsigned with access keys configured, also accept requests that carry no signature
 *        (for local testing); a request that is signed is always verified
 */
public record SqsConfig(boolean enabled, String accountId, String region, Map<String, String> accessKeys,
        boolean allowUnsigned) {

    /** On, account {@code 000000000000}, region {@code us-east-1}, no access keys. */
    public static final SqsConfig DEFAULTS = new SqsConfig(true, "000000000000", "us-east-1", Map.of(), false);

    /** Checks the values. */
    public SqsConfig {
        if (accountId == null || region == null || accessKeys == null) {
            throw new IllegalArgumentException("sqs config fields must not be null");
        }
        if (!accountId.matches("[0-9]{12}")) {
            throw SpoolException.invalid("sqs-account-id", "must be 12 digits, got '" + accountId + "'");
        }
        if (!region.matches("[a-z0-9-]{1,64}")) {
            throw SpoolException.invalid("sqs-region", "must be a region name such as us-east-1");
        }
        accessKeys = Map.copyOf(accessKeys);
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
        return new SqsConfig(v, accountId, region, accessKeys, allowUnsigned);
    }

    /** A copy with other access keys. */
    public SqsConfig withAccessKeys(Map<String, String> v) {
        return new SqsConfig(enabled, accountId, region, v, allowUnsigned);
    }

    /** A copy that accepts unsigned requests or not. */
    public SqsConfig withAllowUnsigned(boolean v) {
        return new SqsConfig(enabled, accountId, region, accessKeys, v);
    }

    /** Never shows the secrets. */
    @Override
    public String toString() {
        return "SqsConfig[enabled=" + enabled + ", accountId=" + accountId + ", region=" + region + ", accessKeys="
                + accessKeys.keySet() + ", allowUnsigned=" + allowUnsigned + "]";
    }
}
