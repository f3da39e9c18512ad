package dev.spool.api.crypto;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

import dev.spool.api.ErrorCode;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/**
 * The sealed form of a payload, a task result or a lock state document: AES-256-GCM in fixed-size
 * chunks (a STREAM construction), so a payload of any size is encrypted and verified 64 KiB at a
 * time and never held whole on the heap. Both backends store exactly these bytes.
 *
 * <p>Layout (little-endian):
 *
 * <pre>
 *  0      int8   format version (1)
 *  1      int8   key id length n (1..32)
 *  2      n      key id (ASCII): the keyring entry that sealed it
 *  2+n    12     record nonce (96 random bits from RandomBytes, one per sealed record)
 *  14+n   int64  plaintext length L
 *  22+n   chunks: ceil(L / 65,536) of them (one for L = 0), each its plaintext (65,536 bytes, the
 *                last one the rest) encrypted, followed by its 16-byte GCM tag
 * </pre>
 *
 * Chunk {@code i} is encrypted under nonce = record nonce with its last 8 bytes XOR {@code i}
 * (big-endian), and authenticates as additional data: the whole header (bytes 0 to 21+n), the
 * caller's context (the record's identity, such as queue and message id), {@code int64 i} and an
 * {@code int8} that is 1 on the last chunk and 0 before it. So a chunk moved to another index,
 * a chunk dropped, a stream cut after a non-final chunk, a changed header or length, or a record
 * copied under another identity all fail a tag check. Nonces never repeat under one key as long as
 * record nonces do not: with random 96-bit record nonces the chance of a repeat stays below
 * 2<sup>-32</sup> for the first 2<sup>32</sup> records under one key (rotate well before that).
 *
 * <p>Reads never return unverified bytes from {@link #open(Keyring, byte[], byte[])}; a streamed
 * read hands out each chunk only after its tag verified, and a caller that must not start
 * answering before the whole payload verified calls {@link #verify} first.
 */
public final class Envelope {
    /** Plaintext bytes per chunk. */
    public static final int CHUNK = 64 * 1024;
    /** GCM tag bytes per chunk. */
    public static final int TAG = 16;
    static final int VERSION = 1;
    private static final int NONCE = 12;
    /** One AES/GCM cipher and its scratch arrays per thread for whole-array sealing and opening. */
    private static final ThreadLocal<Crypter> CRYPTERS = ThreadLocal.withInitial(Crypter::new);

    private Envelope() {
    }

    /** Number of chunks for {@code plainLength} bytes. */
    static long chunks(long plainLength) {
        return plainLength == 0 ? 1 : (plainLength + CHUNK - 1) / CHUNK;
    }

    /** Sealed size of {@code plainLength} bytes under a key id of {@code idLength} characters. */
    public static long sealedSize(int idLength, long plainLength) {
        return 22L + idLength + plainLength + TAG * chunks(plainLength);
    }

    /**
     * The plaintext length of a well-formed sealed record of {@code sealedSize} bytes under a key id
     * of {@code idLength} characters, or -1 when no plaintext length gives that size.
     */
    public static long plainSize(int idLength, long sealedSize) {
        long t = sealedSize - 22 - idLength;
        long full = t / (CHUNK + TAG);
        long rem = t % (CHUNK + TAG);
        long plain = rem == 0 ? full * CHUNK : rem >= TAG ? full * CHUNK + rem - TAG : -1;
        return t < TAG || plain < 0 || sealedSize(idLength, plain) != sealedSize ? -1 : plain;
    }

    /** Seals {@code plain} with the active key of {@code ring}, bound to {@code context}. */
    public static byte[] seal(Keyring ring, byte[] plain, byte[] context) {
        // in one pass into an array of the exact size, the header written in place: no chunk
        // buffers (a 1 KiB message would otherwise allocate and zero two 64 KiB buffers), one
        // cached cipher per thread, and the additional data passed in one piece (EnvelopeBenchmark)
        Keyring.State st = ring.state();
        byte[] id = st.activeIdBytes();
        int headerLength = 22 + id.length;
        long chunks = chunks(plain.length);
        byte[] out = new byte[Math.toIntExact(sealedSize(id.length, plain.length))];
        writeHeader(out, id, plain.length);
        int pos = headerLength;
        Crypter c = CRYPTERS.get();
        SecretKey key = st.active();
        try {
            for (long i = 0; i < chunks; i++) {
                int from = (int) (i * CHUNK);
                int n = Math.min(CHUNK, plain.length - from);
                pos += c.crypt(Cipher.ENCRYPT_MODE, key, out, headerLength, context, i, i == chunks - 1, plain, from, n,
                        out, pos);
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("encryption failed: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Opens sealed bytes bound to {@code context}.
     *
     * @throws SpoolException {@link ErrorCode#CORRUPT} when a tag does not verify, the layout is
     *         damaged, or the key is not in the keyring; {@code what} names the record in the message
     */
    public static byte[] open(Keyring ring, byte[] sealed, byte[] context, String what) {
        byte[] fast = openWhole(ring, sealed, context, what);
        if (fast != null) {
            return fast;
        }
        try (InputStream in = opening(ring, new ByteArrayInputStream(sealed), context)) {
            byte[] out = in.readAllBytes();
            return out;
        } catch (IOException e) {
            throw corrupt(what, e);
        }
    }

    /**
     * Opens well-formed sealed bytes in one pass into an array of the exact size, or returns null
     * when the header, the key or the length is not right (the streaming path then reports why).
     */
    private static byte[] openWhole(Keyring ring, byte[] sealed, byte[] context, String what) {
        // the header read in place (the streaming path below parses and reports a damaged one)
        if (sealed.length < 2 || sealed[0] != VERSION || sealed[1] < 1 || sealed[1] > 32 || sealed.length < 22 + sealed[1]) {
            return null;
        }
        int idLength = sealed[1];
        int headerLength = 22 + idLength;
        long plainLength = getLongLE(sealed, 14 + idLength);
        SecretKey key = ring.key(sealed, 2, idLength);
        if (key == null || plainLength < 0 || sealedSize(idLength, plainLength) != sealed.length) {
            return null;
        }
        byte[] out = new byte[(int) plainLength];
        long chunks = chunks(plainLength);
        int pos = headerLength;
        Crypter c = CRYPTERS.get();
        for (long i = 0; i < chunks; i++) {
            int n = (int) Math.min(CHUNK, plainLength - i * CHUNK) + TAG;
            try {
                c.crypt(Cipher.DECRYPT_MODE, key, sealed, headerLength, context, i, i == chunks - 1, sealed, pos, n,
                        out, (int) (i * CHUNK));
            } catch (AEADBadTagException e) {
                throw corrupt(what, new Tampered("chunk " + i + " fails its authentication tag"));
            } catch (GeneralSecurityException e) {
                throw corrupt(what, new IOException("decryption failed: " + e.getMessage(), e));
            }
            pos += n;
        }
        return out;
    }

    /**
     * Seals a payload: an inline one at once, a streamed one lazily (its bytes are encrypted each
     * time they are read, identically, under one nonce drawn now).
     */
    public static Payload seal(Keyring ring, Payload plain, byte[] context) {
        if (plain instanceof Payload.Inline in) {
            return Payload.of(seal(ring, in.bytes(), context));
        }
        Keyring.State st = ring.state();
        return new SealedPayload(st.active(), Header.fresh(st.activeId(), plain.size()), plain, context.clone());
    }

    /**
     * Opens a sealed payload: an inline one at once (verified), a streamed one as a payload that
     * decrypts while it is read (call {@link #verify} first to check it whole).
     *
     * @throws SpoolException {@link ErrorCode#CORRUPT} as {@link #open(Keyring, byte[], byte[], String)}
     */
    public static Payload open(Keyring ring, Payload sealed, byte[] context, String what) {
        if (sealed instanceof Payload.Inline in) {
            return Payload.of(open(ring, in.bytes(), context, what));
        }
        Header h;
        try (InputStream in = sealed.openStream()) {
            h = Header.read(in);
        } catch (IOException e) {
            throw corrupt(what, e);
        }
        if (sealedSize(h.keyId.length(), h.plainLength) != sealed.size() || !ring.has(h.keyId)) {
            throw corrupt(what, new IOException(ring.has(h.keyId) ? "its length does not match its header"
                    : "its key " + h.keyId + " is not in the keyring"));
        }
        return new OpenedPayload(ring, sealed, context.clone(), h.plainLength);
    }

    /**
     * The plaintext view of sealed bytes whose plaintext size is known (their header is read only
     * when the view is read, so the bytes may be written after this call).
     */
    public static Payload opened(Keyring ring, Payload sealed, byte[] context, long plainSize) {
        return new OpenedPayload(ring, sealed, context.clone(), plainSize);
    }

    /**
     * Reads a sealed payload through once, checking every tag, without keeping it.
     *
     * @throws SpoolException {@link ErrorCode#CORRUPT} when any part does not verify
     */
    public static void verify(Keyring ring, Payload sealed, byte[] context, String what) {
        byte[] sink = new byte[CHUNK];
        try (InputStream in = opening(ring, sealed.openStream(), context)) {
            while (in.read(sink) >= 0) {
                // each chunk's tag is checked as it is decrypted
            }
        } catch (IOException e) {
            throw corrupt(what, e);
        }
    }

    /** The id of the key that sealed these bytes (their first bytes suffice). */
    public static String keyId(byte[] sealedPrefix) {
        try {
            return Header.read(new ByteArrayInputStream(sealedPrefix)).keyId;
        } catch (IOException e) {
            throw new IllegalArgumentException("not a sealed record: " + e.getMessage());
        }
    }

    /** A stream of the plaintext of a sealed stream; throws {@link Tampered} at the first bad chunk. */
    public static InputStream opening(Keyring ring, InputStream sealed, byte[] context) throws IOException {
        Header h = Header.read(sealed);
        SecretKey key = ring.key(h.keyId).orElseThrow(() -> new Tampered("its key " + h.keyId
                + " is not in the keyring"));
        return new Opening(sealed, key, h, context);
    }

    private static SpoolException corrupt(String what, IOException e) {
        return new SpoolException(ErrorCode.CORRUPT, what + " failed its integrity check: " + e.getMessage());
    }

    /** A sealed record that does not verify. */
    public static final class Tampered extends IOException {
        private static final long serialVersionUID = 1L;

        Tampered(String message) {
            super(message);
        }
    }

    /** The parsed header; {@code bytes} is its exact encoding (authenticated with every chunk). */
    record Header(String keyId, byte[] nonce, long plainLength, byte[] bytes) {
        static Header fresh(String keyId, long plainLength) {
            byte[] id = keyId.getBytes(StandardCharsets.US_ASCII);
            byte[] bytes = new byte[22 + id.length];
            writeHeader(bytes, id, plainLength);
            return new Header(keyId, java.util.Arrays.copyOfRange(bytes, 2 + id.length, 14 + id.length), plainLength,
                    bytes);
        }

        static Header read(InputStream in) throws IOException {
            byte[] two = in.readNBytes(2);
            if (two.length < 2 || two[0] != VERSION || two[1] < 1 || two[1] > 32) {
                throw new Tampered("its header is damaged");
            }
            byte[] rest = in.readNBytes(20 + two[1]);
            if (rest.length != 20 + two[1]) {
                throw new Tampered("its header is cut short");
            }
            ByteBuffer b = ByteBuffer.allocate(22 + two[1]).order(ByteOrder.LITTLE_ENDIAN);
            b.put(two).put(rest);
            byte[] bytes = b.array();
            String keyId = new String(bytes, 2, two[1], StandardCharsets.US_ASCII);
            byte[] nonce = java.util.Arrays.copyOfRange(bytes, 2 + two[1], 14 + two[1]);
            long length = b.getLong(14 + two[1]);
            if (length < 0) {
                throw new Tampered("its header is damaged");
            }
            return new Header(keyId, nonce, length, bytes);
        }
    }

    /**
     * Writes a fresh header at the start of {@code out}: version, key id length, key id
     * {@code id}, a new random record nonce, and {@code plainLength}.
     */
    private static void writeHeader(byte[] out, byte[] id, long plainLength) {
        out[0] = VERSION;
        out[1] = (byte) id.length;
        System.arraycopy(id, 0, out, 2, id.length);
        RandomBytes.fill(out, 2 + id.length, NONCE);
        putLongLE(out, 14 + id.length, plainLength);
    }

    /** Writes {@code v} little-endian at {@code b[at..at+7]} (the header's plaintext length). */
    private static void putLongLE(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    /** Reads a little-endian {@code int64} from {@code b[at..at+7]}. */
    private static long getLongLE(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }

    /**
     * An AES/GCM cipher with the scratch arrays for a chunk's nonce and additional data. Not
     * thread-safe: one per thread or per stream.
     */
    static final class Crypter {
        private final Cipher cipher = cipher();
        private final byte[] nonce = new byte[NONCE];
        private byte[] aad = new byte[128];

        /**
         * Encrypts or decrypts chunk {@code index} of a record whose header is the first
         * {@code headerLength} bytes of {@code header}: {@code n} bytes of {@code in} from
         * {@code inOff} into {@code out} at {@code outOff}. The additional data (header, context,
         * {@code int64 index}, {@code int8 last}) goes to the cipher in one piece: GCM authenticates
         * its concatenation, so this equals passing the parts one by one, and costs less.
         */
        int crypt(int mode, SecretKey key, byte[] header, int headerLength, byte[] context, long index, boolean last,
                byte[] in, int inOff, int n, byte[] out, int outOff) throws GeneralSecurityException {
            System.arraycopy(header, headerLength - 20, nonce, 0, NONCE);
            for (int i = 0; i < 8; i++) {
                nonce[NONCE - 1 - i] ^= (byte) (index >>> (8 * i));
            }
            int aadLength = headerLength + context.length + 9;
            if (aad.length < aadLength) {
                aad = new byte[aadLength];
            }
            System.arraycopy(header, 0, aad, 0, headerLength);
            System.arraycopy(context, 0, aad, headerLength, context.length);
            int at = headerLength + context.length;
            for (int i = 0; i < 8; i++) {
                aad[at + i] = (byte) (index >>> (8 * (7 - i)));
            }
            aad[at + 8] = (byte) (last ? 1 : 0);
            cipher.init(mode, key, new GCMParameterSpec(TAG * 8, nonce));
            cipher.updateAAD(aad, 0, aadLength);
            return cipher.doFinal(in, inOff, n, out, outOff);
        }

        /** As above with whole buffers. */
        int crypt(int mode, SecretKey key, Header h, byte[] context, long index, boolean last, byte[] in, int n,
                byte[] out) throws GeneralSecurityException {
            return crypt(mode, key, h.bytes, h.bytes.length, context, index, last, in, 0, n, out, 0);
        }
    }

    static Cipher cipher() {
        try {
            return Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM is not available in this JDK", e);
        }
    }

    /** Header, then each chunk encrypted as it is read. */
    static final class Sealing extends ChunkStream {
        private final InputStream plain;

        Sealing(InputStream plain, SecretKey key, Header h, byte[] context) {
            super(key, h, context, CHUNK);
            this.plain = plain;
            System.arraycopy(h.bytes, 0, out, 0, h.bytes.length);
            outLimit = h.bytes.length;
        }

        @Override
        boolean next() throws IOException {
            if (index == chunks(header.plainLength)) {
                return false;
            }
            int want = (int) Math.min(CHUNK, header.plainLength - index * CHUNK);
            int n = plain.readNBytes(in, 0, want);
            if (n != want) {
                throw new IOException("payload ended " + (want - n) + " bytes early");
            }
            boolean last = index == chunks(header.plainLength) - 1;
            try {
                outLimit = crypter.crypt(Cipher.ENCRYPT_MODE, key, header, context, index, last, in, n, out);
            } catch (GeneralSecurityException e) {
                throw new IOException("encryption failed: " + e.getMessage(), e);
            }
            index++;
            return true;
        }

        @Override
        public void close() throws IOException {
            plain.close();
        }
    }

    /** Each chunk decrypted and verified as it is read. */
    static final class Opening extends ChunkStream {
        private final InputStream sealed;

        Opening(InputStream sealed, SecretKey key, Header h, byte[] context) {
            super(key, h, context, CHUNK + TAG);
            this.sealed = sealed;
        }

        @Override
        boolean next() throws IOException {
            if (index == chunks(header.plainLength)) {
                return false;
            }
            int want = (int) Math.min(CHUNK, header.plainLength - index * CHUNK) + TAG;
            int n = sealed.readNBytes(in, 0, want);
            if (n != want) {
                throw new Tampered("it is cut short at chunk " + index);
            }
            boolean last = index == chunks(header.plainLength) - 1;
            try {
                outLimit = crypter.crypt(Cipher.DECRYPT_MODE, key, header, context, index, last, in, n, out);
            } catch (AEADBadTagException e) {
                throw new Tampered("chunk " + index + " fails its authentication tag");
            } catch (GeneralSecurityException e) {
                throw new IOException("decryption failed: " + e.getMessage(), e);
            }
            index++;
            return true;
        }

        @Override
        public void close() throws IOException {
            sealed.close();
        }
    }

    /** An input stream over chunks produced one at a time into a fixed buffer. */
    abstract static class ChunkStream extends InputStream {
        final SecretKey key;
        final Header header;
        final byte[] context;
        final Crypter crypter = new Crypter();
        final byte[] in;
        final byte[] out = new byte[CHUNK + TAG];
        int outPos;
        int outLimit;
        long index;

        ChunkStream(SecretKey key, Header header, byte[] context, int inSize) {
            this.key = key;
            this.header = header;
            this.context = context;
            this.in = new byte[inSize];
        }

        /** Fills {@code out} with the next chunk; false at the end. */
        abstract boolean next() throws IOException;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (outPos == outLimit) {
                outPos = 0;
                outLimit = 0;
                if (!next()) {
                    return -1;
                }
            }
            int n = Math.min(len, outLimit - outPos);
            System.arraycopy(out, outPos, b, off, n);
            outPos += n;
            return n;
        }
    }
}
