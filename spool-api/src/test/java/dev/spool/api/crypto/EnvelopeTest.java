package dev.spool.api.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.ErrorCode;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

class EnvelopeTest {
    private static final byte[] CTX = "q:orders/m:42".getBytes(StandardCharsets.UTF_8);
    private final Keyring ring = Keyring.parse(Keyring.newKeyLine("k1") + "\n" + Keyring.newKeyLine("k2"), "test");

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    @Test
    void shouldRoundTripEveryChunkCountWhenOpenedWithTheSameContext() {
        for (int n : new int[] {0, 1, Envelope.CHUNK - 1, Envelope.CHUNK, Envelope.CHUNK + 1, 3 * Envelope.CHUNK + 7}) {
            byte[] plain = random(n);
            byte[] sealed = Envelope.seal(ring, plain, CTX);
            assertThat((long) sealed.length).isEqualTo(Envelope.sealedSize(2, n));
            assertThat(Envelope.plainSize(2, sealed.length)).isEqualTo(n);
            assertThat(Envelope.keyId(sealed)).isEqualTo("k2");
            assertThat(Envelope.open(ring, sealed, CTX, "r")).isEqualTo(plain);
        }
    }

    /**
     * The sealed layout is the one Envelope's javadoc documents (and every journal and database
     * written so far holds): decrypted here chunk by chunk with plain JCE calls, the additional data
     * passed in its documented parts, and a record built the same way by hand opens with Envelope.
     */
    @Test
    void shouldSealAndOpenExactlyTheDocumentedLayout() throws Exception {
        byte[] keyBytes = random(32);
        Keyring fixed = Keyring.parse("key-a:" + java.util.Base64.getEncoder().encodeToString(keyBytes), "test");
        javax.crypto.SecretKey key = new javax.crypto.spec.SecretKeySpec(keyBytes, "AES");
        byte[] plain = random(Envelope.CHUNK + 5);
        byte[] sealed = Envelope.seal(fixed, plain, CTX);
        byte[] header = Arrays.copyOf(sealed, 27);
        assertThat(header[0]).isEqualTo((byte) 1);
        assertThat(new String(header, 1, 6, StandardCharsets.US_ASCII)).isEqualTo("\u0005key-a");
        assertThat(java.nio.ByteBuffer.wrap(header, 19, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong())
                .isEqualTo(plain.length);
        assertThat(byHand(javax.crypto.Cipher.DECRYPT_MODE, key, header, sealed, 27, Envelope.CHUNK + Envelope.TAG, 5 + Envelope.TAG))
                .isEqualTo(plain);

        byte[] nonce = random(12);
        byte[] mine = Arrays.copyOf(header, 27);
        System.arraycopy(nonce, 0, mine, 7, 12);
        byte[] body = byHand(javax.crypto.Cipher.ENCRYPT_MODE, key, mine, plain, 0, Envelope.CHUNK, 5);
        byte[] record = Arrays.copyOf(mine, 27 + body.length);
        System.arraycopy(body, 0, record, 27, body.length);
        assertThat(Envelope.open(fixed, record, CTX, "r")).isEqualTo(plain);
    }

    /** Two chunks of {@code in} from {@code from} ({@code first} then {@code second} bytes), crypted per the javadoc. */
    private static byte[] byHand(int mode, javax.crypto.SecretKey key, byte[] header, byte[] in, int from, int first,
            int second) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int[] lengths = {first, second};
        for (int i = 0; i < 2; i++) {
            byte[] nonce = Arrays.copyOfRange(header, 7, 19);
            nonce[11] ^= (byte) i;
            javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
            c.init(mode, key, new javax.crypto.spec.GCMParameterSpec(128, nonce));
            c.updateAAD(header);
            c.updateAAD(CTX);
            c.updateAAD(java.nio.ByteBuffer.allocate(9).putLong(i).put((byte) (i == 1 ? 1 : 0)).array());
            out.write(c.doFinal(in, from, lengths[i]));
            from += lengths[i];
        }
        return out.toByteArray();
    }

    @Test
    void shouldNeverShowThePlaintextWhenSealed() {
        byte[] plain = "attack at dawn, attack at dawn, attack at dawn".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = Envelope.seal(ring, plain, CTX);
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("attack");
        assertThat(Envelope.seal(ring, plain, CTX)).isNotEqualTo(sealed);
    }

    @Test
    void shouldGiveEveryRecordItsOwnNonceAcrossBlocksAndThreads() throws Exception {
        int perThread = 10 * RandomBytes.BLOCK / 12 + 3;
        Set<String> nonces = ConcurrentHashMap.newKeySet();
        Runnable sealer = () -> {
            for (int i = 0; i < perThread; i++) {
                byte[] sealed = Envelope.seal(ring, new byte[] {1}, CTX);
                nonces.add(HexFormat.of().formatHex(sealed, 4, 16)); // after version, id length and "k2"
            }
        };
        Thread other = new Thread(sealer);
        other.start();
        sealer.run();
        other.join();
        assertThat(nonces).hasSize(2 * perThread);
    }

    @Test
    void shouldRefuseEveryFlippedByteWhenOpened() {
        byte[] sealed = Envelope.seal(ring, random(2 * Envelope.CHUNK + 5), CTX);
        for (int i = 0; i < sealed.length; i += 997) {
            byte[] bad = sealed.clone();
            bad[i] ^= 0x40;
            assertCorrupt(bad, CTX);
        }
    }

    @Test
    void shouldRefuseARecordCopiedUnderAnotherIdentityWhenOpened() {
        byte[] sealed = Envelope.seal(ring, random(100), CTX);
        assertCorrupt(sealed, "q:orders/m:43".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldRefuseReorderedDroppedOrTruncatedChunksWhenOpened() {
        int n = 3 * Envelope.CHUNK;
        byte[] sealed = Envelope.seal(ring, random(n), CTX);
        int header = 24;
        int c = Envelope.CHUNK + Envelope.TAG;
        byte[] swapped = sealed.clone();
        System.arraycopy(sealed, header, swapped, header + c, c);
        System.arraycopy(sealed, header + c, swapped, header, c);
        assertCorrupt(swapped, CTX);
        // cut after two whole chunks, with the length field rewritten to match
        byte[] cut = Arrays.copyOf(sealed, header + 2 * c);
        java.nio.ByteBuffer.wrap(cut).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(16, 2L * Envelope.CHUNK);
        assertCorrupt(cut, CTX);
        assertCorrupt(Arrays.copyOf(sealed, sealed.length - 1), CTX);
    }

    @Test
    void shouldReadOldRecordsAfterRotationAndFailWithoutTheirKey() {
        Keyring old = Keyring.parse(Keyring.newKeyLine("a"), "t");
        byte[] sealed = Envelope.seal(old, random(10), CTX);
        Keyring rotated = Keyring.parse(lineOf(old, "a") + "\n" + Keyring.newKeyLine("b"), "t");
        assertThat(rotated.activeId()).isEqualTo("b");
        assertThat(Envelope.open(rotated, sealed, CTX, "r")).isEqualTo(random(10));
        Keyring without = Keyring.parse(Keyring.newKeyLine("b"), "t");
        assertThatThrownBy(() -> Envelope.open(without, sealed, CTX, "r")).isInstanceOf(SpoolException.class)
                .hasMessageContaining("key a is not in the keyring");
    }

    private static String lineOf(Keyring k, String id) {
        return id + ":" + java.util.Base64.getEncoder().encodeToString(k.key(id).orElseThrow().getEncoded());
    }

    @Test
    void shouldStreamAndVerifyALargePayloadWhenSealedLazily(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("p");
        Files.write(file, random(5 * Envelope.CHUNK + 3));
        Payload sealed = Envelope.seal(ring, Payload.ofFile(file, Files.size(file)), CTX);
        assertThat(sealed).isInstanceOf(Payload.Streamed.class);
        byte[] once = sealed.toBytes();
        assertThat(sealed.toBytes()).isEqualTo(once);
        Path stored = dir.resolve("s");
        Files.write(stored, once);
        Payload region = Payload.ofFile(stored, once.length);
        Envelope.verify(ring, region, CTX, "r");
        Payload opened = Envelope.open(ring, region, CTX, "r");
        assertThat(opened.size()).isEqualTo(Files.size(file));
        assertThat(opened.toBytes()).isEqualTo(Files.readAllBytes(file));
        once[once.length / 2] ^= 1;
        Files.write(stored, once);
        assertThatThrownBy(() -> Envelope.verify(ring, region, CTX, "the record"))
                .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT));
        try (InputStream in = Envelope.open(ring, region, CTX, "r").openStream()) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(Envelope.Tampered.class);
        }
    }

    @Test
    void shouldRefuseBadKeyringsWithoutEchoingKeyMaterial(@TempDir Path dir) throws IOException {
        String secret = "c2VjcmV0c2VjcmV0c2VjcmV0";
        assertThatThrownBy(() -> Keyring.parse("k1:" + secret, "f")).hasMessageContaining("f entry 1")
                .hasMessageNotContaining(secret);
        assertThatThrownBy(() -> Keyring.parse("bad id:" + secret, "f")).hasMessageNotContaining(secret);
        assertThatThrownBy(() -> Keyring.parse("# nothing\n", "f")).hasMessageContaining("holds no key");
        String line = Keyring.newKeyLine("k1");
        assertThatThrownBy(() -> Keyring.parse(line + "\n" + line, "f")).hasMessageContaining("repeats");
        assertThat(ring.toString()).isEqualTo("Keyring[ids=[k1, k2], active=k2]");
        Path file = dir.resolve("keys");
        Files.writeString(file, line + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> Keyring.load(file)).hasMessageContaining("chmod 600");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThat(Keyring.load(file).activeId()).isEqualTo("k1");
    }

    private void assertCorrupt(byte[] sealed, byte[] ctx) {
        assertThatThrownBy(() -> Envelope.open(ring, sealed, ctx, "the record"))
                .isInstanceOfSatisfying(SpoolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CORRUPT));
    }
}
