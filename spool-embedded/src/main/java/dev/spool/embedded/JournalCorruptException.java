package dev.spool.embedded;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The journal holds damage that recovery must not guess about: a bad record followed by valid
 * ones, a bad record in a segment that is not the last, a missing segment, or no way to rebuild the
 * state. The open refuses and changes nothing; the message names the file and the offset, and
 * what to do ({@code spool journal check}, then {@code spool journal repair --truncate-at}).
 */
final class JournalCorruptException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final long offset;

    JournalCorruptException(Path file, long offset, String why) {
        super(file + " is damaged at offset " + offset + ": " + why + ". Nothing was changed. Run 'spool journal "
                + "check <data-dir>' to see every problem; 'spool journal repair <data-dir> --truncate-at "
                + file.getFileName() + ":" + offset + "' drops the journal from there, keeping a copy");
        this.file = file;
        this.offset = offset;
    }

    Path file() {
        return file;
    }

    long offset() {
        return offset;
    }
}
