package dev.spool.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The receipt secret of a data directory, {@code <data-dir>/receipt.key}, made once at the first
 * open and read at every later one, so receipts handed out before a restart still work after it.
 * Isolation of an external relationship: the file system. Read and created while the journal's
 * {@code LOCK} is held, so two processes never race to create it.
 *
 * <pre>
 *  0  8 bytes  "SPOOLRK1"
 *  8  16 bytes the key (two little-endian 64-bit SipHash key words)
 * 24  int32    CRC32C of bytes 0..23 (little-endian)
 * </pre>
 *
 * It is written to {@code receipt.key.tmp}, forced, renamed into place, and the directory is
 * forced, before any receipt is signed with it: after a power loss the file is either absent (and
 * no receipt was ever handed out with the lost key) or whole. A file that exists but does not check
 * refuses the open, naming the file: deleting it makes a new key and only invalidates the receipts
 * of current leases (those messages are delivered again when their leases end).
 */
final class ReceiptKeyFile {
    static final String NAME = "receipt.key";
    private static final byte[] MAGIC = "SPOOLRK1".getBytes(StandardCharsets.US_ASCII);
    private static final int SIZE = 28;

    private ReceiptKeyFile() {
    }

    /** The key of {@code dataDir}, created if the directory has none yet. */
    static byte[] loadOrCreate(Path dataDir) throws IOException {
        Path file = dataDir.resolve(NAME);
        if (Files.exists(file)) {
            return read(file);
        }
        byte[] key = new byte[16];
        new SecureRandom().nextBytes(key);
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put(key);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 24);
        b.putInt((int) crc.getValue());
        b.flip();
        Path tmp = dataDir.resolve(NAME + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        JournalFiles.REAL.syncDir(dataDir);
        return key;
    }

    private static byte[] read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all.length == SIZE && Arrays.equals(Arrays.copyOf(all, 8), MAGIC)) {
            CRC32C crc = new CRC32C();
            crc.update(all, 0, 24);
            int stored = ByteBuffer.wrap(all, 24, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if ((int) crc.getValue() == stored) {
                return Arrays.copyOfRange(all, 8, 24);
            }
        }
        throw new IOException("the receipt key " + file + " is damaged; delete it to make a new one (receipts of"
                + " current leases then stop working and those messages are delivered again when their leases end)");
    }
}
