package dev.spool.server.sqs;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.vertx.core.http.HttpServerRequest;

/**
 * Verification of AWS Signature Version 4 ({@code Authorization: AWS4-HMAC-SHA256 ...}) against the
 * access keys of {@link SqsConfig}.
 *
 * <p>The server recomputes the signature from the request as received: the canonical request
 * (method, path, sorted query, the signed headers, the SHA-256 of the body as received), the string
 * to sign with the credential scope, and the key derived from the secret, date, region and service.
 * The body's hash is always computed here: a request whose {@code x-amz-content-sha256} does not
 * match its body (or is {@code UNSIGNED-PAYLOAD}) is refused. The request time must be within 15
 * minutes of the server's clock. Presigned URLs (the signature in the query string) and session
 * tokens are not supported.
 */
final class SigV4 {
    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final Duration SKEW = Duration.ofMinutes(15);
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final SqsConfig config;

    SigV4(SqsConfig config) {
        this.config = config;
    }

    /**
     * Checks a request's signature.
     *
     * @return the sender: the access key id that signed, or the account id for an accepted unsigned request
     * @throws SqsError the SQS authentication error when the request may not pass
     */
    String verify(HttpServerRequest req, byte[] body) {
        String authz = req.getHeader("Authorization");
        String query = req.query() == null ? "" : req.query();
        if (query.contains("X-Amz-Signature=")) {
            throw SqsError.incompleteSignature("Presigned requests are not supported by Spool.");
        }
        if (authz == null) {
            if (config.accessKeys().isEmpty() || config.allowUnsigned()) {
                return config.accountId();
            }
            throw SqsError.missingAuthentication();
        }
        Parsed a = parse(authz);
        if (config.accessKeys().isEmpty()) {
            return a.accessKey;
        }
        return check(req, body, a, query);
    }

    /**
     * Checks a request that must be signed by one of the configured keys (a server that requires
     * authentication): no key configured, no signature or any mismatch refuses it.
     *
     * @return the access key id that signed
     * @throws SqsError the SQS authentication error when the request may not pass
     */
    String verifySigned(HttpServerRequest req, byte[] body) {
        String authz = req.getHeader("Authorization");
        String query = req.query() == null ? "" : req.query();
        if (query.contains("X-Amz-Signature=")) {
            throw SqsError.incompleteSignature("Presigned requests are not supported by Spool.");
        }
        if (authz == null) {
            throw SqsError.missingAuthentication();
        }
        return check(req, body, parse(authz), query);
    }

    private String check(HttpServerRequest req, byte[] body, Parsed a, String query) {
        String secret = config.accessKeys().get(a.accessKey);
        if (secret == null) {
            throw SqsError.invalidClientTokenId();
        }
        String amzDate = req.getHeader("X-Amz-Date");
        if (amzDate == null || !a.scope.startsWith(amzDate.length() >= 8 ? amzDate.substring(0, 8) + "/" : "?")) {
            throw SqsError.incompleteSignature("X-Amz-Date is required and must match the credential scope.");
        }
        checkTime(amzDate);
        String bodyHash = hex(sha256(body));
        String declared = req.getHeader("X-Amz-Content-Sha256");
        if (declared != null && !declared.equalsIgnoreCase(bodyHash)) {
            throw SqsError.signatureDoesNotMatch();
        }
        String canonical = req.method().name() + "\n" + canonicalUri(req.path()) + "\n" + canonicalQuery(query) + "\n"
                + canonicalHeaders(req, a.signedHeaders) + "\n" + String.join(";", a.signedHeaders) + "\n"
                + (declared != null ? declared : bodyHash);
        String toSign = ALGORITHM + "\n" + amzDate + "\n" + a.scope + "\n"
                + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
        String[] s = a.scope.split("/");
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), s[0]);
        key = hmac(key, s[1]);
        key = hmac(key, s[2]);
        key = hmac(key, "aws4_request");
        byte[] expected = hmac(key, toSign);
        byte[] given;
        try {
            given = HexFormat.of().parseHex(a.signature);
        } catch (IllegalArgumentException e) {
            throw SqsError.signatureDoesNotMatch();
        }
        if (!MessageDigest.isEqual(expected, given)) {
            throw SqsError.signatureDoesNotMatch();
        }
        return a.accessKey;
    }

    private record Parsed(String accessKey, String scope, List<String> signedHeaders, String signature) {
    }

    private static Parsed parse(String authz) {
        if (!authz.startsWith(ALGORITHM + " ")) {
            throw SqsError.incompleteSignature("Only " + ALGORITHM + " signatures are supported.");
        }
        String credential = null;
        String signed = null;
        String signature = null;
        for (String part : authz.substring(ALGORITHM.length() + 1).split(",")) {
            String p = part.trim();
            if (p.startsWith("Credential=")) {
                credential = p.substring("Credential=".length());
            } else if (p.startsWith("SignedHeaders=")) {
                signed = p.substring("SignedHeaders=".length());
            } else if (p.startsWith("Signature=")) {
                signature = p.substring("Signature=".length());
            }
        }
        if (credential == null || signed == null || signature == null) {
            throw SqsError.incompleteSignature(
                    "Authorization header requires Credential, SignedHeaders and Signature.");
        }
        String[] c = credential.split("/");
        if (c.length != 5 || !c[3].equals("sqs") || !c[4].equals("aws4_request")) {
            throw SqsError.incompleteSignature("Credential must be <key>/<date>/<region>/sqs/aws4_request.");
        }
        List<String> headers = List.of(signed.toLowerCase(Locale.ROOT).split(";"));
        if (!headers.contains("host")) {
            throw SqsError.incompleteSignature("The host header must be signed.");
        }
        return new Parsed(c[0], c[1] + "/" + c[2] + "/" + c[3] + "/" + c[4], headers, signature);
    }

    private static void checkTime(String amzDate) {
        Instant t;
        try {
            t = Instant.from(AMZ_DATE.parse(amzDate));
        } catch (DateTimeParseException e) {
            throw SqsError.incompleteSignature("X-Amz-Date must look like 20250101T120000Z.");
        }
        if (Duration.between(t, Instant.now()).abs().compareTo(SKEW) > 0) {
            throw SqsError.requestExpired();
        }
    }

    private static String canonicalUri(String path) {
        if (path == null || path.isEmpty()) {
            return "/";
        }
        // the SDKs encode the path once more for every service but S3
        return encode(path, false);
    }

    private static String canonicalQuery(String query) {
        if (query.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (String kv : query.split("&")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            String k = eq < 0 ? kv : kv.substring(0, eq);
            String v = eq < 0 ? "" : kv.substring(eq + 1);
            pairs.add(new String[] {encode(decode(k), true), encode(decode(v), true)});
        }
        pairs.sort((x, y) -> x[0].equals(y[0]) ? x[1].compareTo(y[1]) : x[0].compareTo(y[0]));
        StringBuilder b = new StringBuilder();
        for (String[] p : pairs) {
            if (b.length() > 0) {
                b.append('&');
            }
            b.append(p[0]).append('=').append(p[1]);
        }
        return b.toString();
    }

    private static String canonicalHeaders(HttpServerRequest req, List<String> names) {
        StringBuilder b = new StringBuilder();
        for (String n : names) {
            List<String> values = req.headers().getAll(n);
            if (values.isEmpty() && n.equals("host") && req.authority() != null) {
                values = List.of(req.authority().toString());
            }
            List<String> trimmed = new ArrayList<>();
            for (String v : values) {
                trimmed.add(v.trim().replaceAll(" +", " "));
            }
            b.append(n).append(':').append(String.join(",", trimmed)).append('\n');
        }
        return b.toString();
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** RFC 3986 encoding: unreserved characters stay, everything else is %XX of its UTF-8 bytes. */
    static String encode(String s, boolean slash) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
                    || c == '.' || c == '~' || c == '/' && !slash) {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }

    private static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
