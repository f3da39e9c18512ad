package dev.spool.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Isolation of the journal's relationship with the file system: every file the journal writes,
 * renames or deletes, and every directory it syncs, goes through one of these. Production uses
 * {@link #REAL}; durability tests hand in a file system that models a power cut (unforced writes
 * dropped or torn, unsynced directory entries lost), so that what recovery keeps is proven against
 * the guarantees a disk really gives, not against a process crash that keeps the page cache.
 */
interface JournalFiles {
    /** Opens a file as {@link FileChannel#open(Path, OpenOption...)} does. */
    FileChannel open(Path file, OpenOption... options) throws IOException;

    /** Removes a file if it exists; durable only after {@link #syncDir} of its directory. */
    void delete(Path file) throws IOException;

    /** Renames atomically, replacing the target; durable only after {@link #syncDir}. */
    void move(Path from, Path to) throws IOException;

    /** Makes the entries of a directory (created, renamed, deleted files) durable. */
    void syncDir(Path dir) throws IOException;

    /** The real file system. */
    JournalFiles REAL = new JournalFiles() {
        @Override
        public FileChannel open(Path file, OpenOption... options) throws IOException {
            return FileChannel.open(file, options);
        }

        @Override
        public void delete(Path file) throws IOException {
            Files.deleteIfExists(file);
        }

        @Override
        public void move(Path from, Path to) throws IOException {
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
        }

        @Override
        public void syncDir(Path dir) throws IOException {
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException e) {
                // some file systems refuse to open directories for fsync; their metadata is synchronous
                if (!Files.isDirectory(dir)) {
                    throw e;
                }
            }
        }
    };
}
