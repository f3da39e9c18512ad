package dev.spool.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Segment files: names, the 32-byte header, and directory fsync. Isolation of the relationship
 * with the file system for the journal's files.
 *
 * <p>A segment is {@code <20-digit number>.seg}: header
 * {@code "SPOOLSEG" | int32 version | int32 0 | int64 number | int32 CRC32C of the 24 bytes before | int32 0},
 * then records from byte 32 on. Numbers grow by one per segment and never repeat.
 */
final class Segments {
    static final int HEADER = 32;
    /**
     * 2: message entries carry their own CRC32Cs ({@link EntryCodec}); 3: an entry may be sealed
     * (encryption at rest, {@link EntryCodec#FLAG_SEALED}) and an ACK's result may be sealed
     * ({@link RecordType}); 4: a lock state document's entry carries its lock's name as its key, and
     * a sealed one is bound to that name ({@link AtRestCodec}). New segments are written as 4; 2 and
     * 3 are still read (a document without the name is bound to its version only).
     */
    static final int VERSION = 4;
    /** The oldest version still read. */
    static final int OLDEST_READ = 2;
    private static final byte[] MAGIC = "SPOOLSEG".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final String SUFFIX = ".seg";

    private Segments() {
    }

    static Path path(Path dir, long number) {
        return dir.resolve(String.format("%020d", number) + SUFFIX);
    }

    /** Segment numbers present in {@code dir}, ascending. */
    static List<Long> list(Path dir) throws IOException {
        List<Long> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                try {
                    out.add(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())));
                } catch (NumberFormatException e) {
                    // not one of ours; leave it alone
                }
            }
        }
        out.sort(null);
        return out;
    }

    static ByteBuffer header(long number) {
        return header(number, VERSION);
    }

    private static ByteBuffer header(long number, int version) {
        ByteBuffer b = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(version).putInt(0).putLong(number);
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, 24);
        b.putInt((int) crc.getValue()).putInt(0);
        b.flip();
        return b;
    }

    /** Whether the file starts with a valid header for {@code number}. */
    static boolean validHeader(FileChannel ch, long number) throws IOException {
        if (ch.size() < HEADER) {
            return false;
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        EntryCodec.readFully(ch, b, 0);
        b.flip();
        for (int v = OLDEST_READ; v <= VERSION; v++) {
            if (b.equals(header(number, v))) {
                return true;
            }
        }
        return false;
    }

    /** Creates a segment with its header, durable together with its directory entry. */
    static FileChannel create(JournalFiles files, Path dir, long number) throws IOException {
        Path p = path(dir, number);
        FileChannel ch = files.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        ByteBuffer h = header(number);
        while (h.hasRemaining()) {
            ch.write(h);
        }
        ch.force(true);
        files.syncDir(dir);
        return ch;
    }
}
