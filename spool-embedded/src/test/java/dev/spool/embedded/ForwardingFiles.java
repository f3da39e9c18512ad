package dev.spool.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/** A {@link JournalFiles} that forwards every call; tests override the calls they want to change. */
class ForwardingFiles implements JournalFiles {
    private final JournalFiles delegate;

    ForwardingFiles(JournalFiles delegate) {
        this.delegate = delegate;
    }

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        return delegate.open(file, options);
    }

    @Override
    public void delete(Path file) throws IOException {
        delegate.delete(file);
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        delegate.move(from, to);
    }

    @Override
    public void syncDir(Path dir) throws IOException {
        delegate.syncDir(dir);
    }
}
