package dev.spool.embedded;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Random;

import dev.spool.api.Payload;

/** Large payload files for tests, and the SHA-256 that checks them byte for byte. */
final class RandomFiles {
    private RandomFiles() {
    }

    /** Writes {@code size} random bytes (whole MiBs) from {@code seed} to {@code file}; returns their SHA-256. */
    static byte[] write(Path file, long size, long seed) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] chunk = new byte[1 << 20];
        Random r = new Random(seed);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long n = 0; n < size; n += chunk.length) {
                r.nextBytes(chunk);
                out.write(chunk);
                md.update(chunk);
            }
        }
        return md.digest();
    }

    /** The SHA-256 of a payload, read as a stream. */
    static byte[] sha256(Payload p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[64 << 10];
        try (InputStream in = p.openStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return md.digest();
    }
}
