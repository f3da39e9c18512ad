package dev.spool.api;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.OptionalInt;

/**
 * The bytes of a message or a task result.
 *
 * <p>Small payloads are {@link Inline}: a byte array held on the heap. Large ones are
 * {@link Streamed}: a region of a file (a spooled upload, a journal segment, a database stream)
 * read on demand so that a 64 MiB message never has to sit whole on the heap. Code that handles
 * both reads through {@link #openStream()} or {@link #transferTo(WritableByteChannel)}.
 */
public sealed interface Payload permits Payload.Inline, Payload.Streamed {

    /** The empty payload. */
    Payload EMPTY = new Inline(new byte[0]);

    /** Number of bytes. */
    long size();

    /** Opens a stream over the bytes; the caller closes it. */
    InputStream openStream() throws IOException;

    /** Writes all bytes to {@code target}. */
    void transferTo(WritableByteChannel target) throws IOException;

    /**
     * All bytes as an array. {@link Inline} returns its own array without copying (callers must
     * not modify it); {@link Streamed} reads the whole payload, so use it only for small ones.
     */
    byte[] toBytes();

    /** Wraps an array without copying it; the caller must not modify it afterwards. */
    static Payload of(byte[] bytes) {
        return new Inline(bytes);
    }

    /** The UTF-8 bytes of a string. */
    static Payload ofUtf8(String text) {
        return new Inline(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The whole content of a file, read on demand. The file must not change while in use. */
    static Payload ofFile(Path file, long size) {
        return new FileRegion(file, 0, size);
    }

    /**
     * The whole content of a file whose CRC32C the caller computed while writing it (a spooled
     * upload), so that a store need not read it through again for its checksum. The file must not
     * change while in use.
     */
    static Payload ofFile(Path file, long size, int crc32c) {
        return new FileRegion(file, 0, size, OptionalInt.of(crc32c));
    }

    /** The bytes decoded as UTF-8 (for small payloads). */
    default String asUtf8() {
        return new String(toBytes(), StandardCharsets.UTF_8);
    }

    /** Bytes held on the heap. */
    record Inline(byte[] bytes) implements Payload {
        /** Checks the array is present. */
        public Inline {
            if (bytes == null) {
                throw new IllegalArgumentException("bytes must not be null");
            }
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public InputStream openStream() {
            return new ByteArrayInputStream(bytes);
        }

        @Override
        public void transferTo(WritableByteChannel target) throws IOException {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                target.write(buf);
            }
        }

        @Override
        public byte[] toBytes() {
            return bytes;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Inline other && Arrays.equals(bytes, other.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Payload.Inline[" + bytes.length + " bytes]";
        }
    }

    /**
     * Bytes read on demand from outside the heap. Implementations are immutable views; each
     * {@link #openStream()} starts at the first byte.
     */
    non-sealed interface Streamed extends Payload {
        /**
         * The CRC32C (Castagnoli) of the bytes when whoever made this view already computed it, so
         * that a store can write the bytes without reading them through for their checksum; empty
         * when unknown. Nothing checks it here: a store that relies on it records it with the bytes
         * and checks it when it reads them back.
         */
        default OptionalInt crc32c() {
            return OptionalInt.empty();
        }

        @Override
        default byte[] toBytes() {
            long size = size();
            if (size > Integer.MAX_VALUE - 16) {
                throw new IllegalStateException("payload of " + size + " bytes does not fit in an array");
            }
            try (InputStream in = openStream()) {
                byte[] out = in.readNBytes((int) size);
                if (out.length != size) {
                    throw new IOException("payload ended after " + out.length + " of " + size + " bytes");
                }
                return out;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * A region of a file, e.g. an upload spooled to disk before it is pushed.
     *
     * @param file the file
     * @param offset first byte
     * @param size number of bytes
     * @param crc32c the CRC32C of the region's bytes when known ({@link Streamed#crc32c()})
     */
    record FileRegion(Path file, long offset, long size, OptionalInt crc32c) implements Streamed {
        /** Validates the region. */
        public FileRegion {
            if (file == null || offset < 0 || size < 0 || crc32c == null) {
                throw new IllegalArgumentException("bad file region " + file + "@" + offset + "+" + size);
            }
        }

        /**
         * A region whose CRC32C is not known.
         *
         * @param file the file
         * @param offset first byte
         * @param size number of bytes
         */
        public FileRegion(Path file, long offset, long size) {
            this(file, offset, size, OptionalInt.empty());
        }

        @Override
        public InputStream openStream() throws IOException {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            ch.position(offset);
            return new BoundedInputStream(Channels.newInputStream(ch), size);
        }

        @Override
        public void transferTo(WritableByteChannel target) throws IOException {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long pos = offset;
                long end = offset + size;
                while (pos < end) {
                    long n = ch.transferTo(pos, end - pos, target);
                    if (n <= 0) {
                        throw new IOException("file " + file + " ended at " + pos + ", expected " + end);
                    }
                    pos += n;
                }
            }
        }
    }
}
