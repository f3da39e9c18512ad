package dev.spool.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.spool.api.crypto.AtRest;

/**
 * Which segments may hold records sealed under a key other than the active one, so that
 * compaction re-encrypts them after a key rotation. The file {@code <journal>/active-key} holds one
 * line, {@code <key id> <segment>}: every segment numbered {@code segment} or more was written
 * with {@code key id} active. At an open whose active key differs from the file's, every existing
 * segment is older than the rotation: the file is rewritten with the new key and the segment after
 * the current one, and {@link Space} compacts every segment below it that still holds live data
 * (whatever its live fraction), so its entries are written again under the active key. A journal
 * without the file and without a keyring is left alone. Losing the file only costs one more pass.
 */
final class KeyMarker {
    private static final Logger LOG = LoggerFactory.getLogger(KeyMarker.class);
    static final String NAME = "active-key";

    private KeyMarker() {
    }

    /** The first segment surely written under the active key (0: nothing to re-encrypt). */
    static long rekeyBefore(Path journalDir, AtRest atRest, long currentSegment) throws IOException {
        if (atRest.keyring().isEmpty()) {
            return 0;
        }
        return rekeyBefore(journalDir, atRest.keyring().get().activeId(), currentSegment);
    }

    /**
     * As above for active key {@code active}; also what a keyring reloaded while running calls when
     * its active key changed (the current segment then holds records under the previous key).
     */
    static long rekeyBefore(Path journalDir, String active, long currentSegment) throws IOException {
        Path file = journalDir.resolve(NAME);
        if (Files.exists(file)) {
            String[] line = Files.readString(file, StandardCharsets.US_ASCII).strip().split(" ");
            if (line.length == 2 && line[0].equals(active)) {
                return Long.parseLong(line[1]);
            }
        }
        long from = currentSegment + 1;
        Path tmp = journalDir.resolve(NAME + ".tmp");
        Files.writeString(tmp, active + " " + from + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        LOG.info("active encryption key is {}: segments before {} are re-encrypted as compaction moves them", active,
                from);
        return from;
    }
}
