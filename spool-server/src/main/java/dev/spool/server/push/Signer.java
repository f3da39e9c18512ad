package dev.spool.server.push;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import dev.spool.api.Payload;

/**
 * Standard Webhooks signatures: {@code v1,<base64 HMAC-SHA256(key, id "." timestamp "." body)>}, one
 * per secret, separated by spaces (two during a secret rotation). The body is read through the
 * MAC in chunks, so a large payload is never held whole; the caller runs this off the event loop.
 */
final class Signer {
    private final List<byte[]> keys = new ArrayList<>();

    Signer(List<String> secrets) {
        for (String s : secrets) {
            keys.add(PushConfig.decode(s));
        }
    }

    boolean signs() {
        return !keys.isEmpty();
    }

    /** The {@code webhook-signature} header value. */
    String sign(String id, long timestampSeconds, Payload body) throws IOException {
        List<Mac> macs = new ArrayList<>(keys.size());
        byte[] prefix = (id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8);
        for (byte[] k : keys) {
            Mac mac = mac(k);
            mac.update(prefix);
            macs.add(mac);
        }
        if (body instanceof Payload.Inline inline) {
            for (Mac m : macs) {
                m.update(inline.bytes());
            }
        } else {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = body.openStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    for (Mac m : macs) {
                        m.update(buf, 0, n);
                    }
                }
            }
        }
        StringBuilder out = new StringBuilder();
        for (Mac m : macs) {
            if (!out.isEmpty()) {
                out.append(' ');
            }
            out.append("v1,").append(Base64.getEncoder().encodeToString(m.doFinal()));
        }
        return out.toString();
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
