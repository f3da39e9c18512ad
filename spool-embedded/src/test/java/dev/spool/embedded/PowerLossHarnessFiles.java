package dev.spool.embedded;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

import dev.spool.testkit.PowerLossFileSystem;

/** The journal's file seam over a {@link PowerLossFileSystem}. */
final class PowerLossHarnessFiles {
    private PowerLossHarnessFiles() {
    }

    static JournalFiles of(PowerLossFileSystem fs) {
        return new JournalFiles() {
            @Override
            public FileChannel open(Path file, OpenOption... options) throws IOException {
                return fs.open(file, options);
            }

            @Override
            public void delete(Path file) throws IOException {
                fs.delete(file);
            }

            @Override
            public void move(Path from, Path to) throws IOException {
                fs.move(from, to);
            }

            @Override
            public void syncDir(Path d) throws IOException {
                fs.syncDir(d);
            }
        };
    }
}
