package dev.spool.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.spool.testkit.ForwardingFileChannel;

/**
 * Journal files whose segment writes and forces are counted, and whose forces wait at {@link #gate}
 * (open by default; set a closed latch to hold every force until it is counted down).
 */
final class GatedSegmentFiles extends ForwardingFiles {
    volatile CountDownLatch gate = new CountDownLatch(0);
    final AtomicInteger forces = new AtomicInteger();
    final AtomicInteger writes = new AtomicInteger();

    GatedSegmentFiles() {
        super(JournalFiles.REAL);
    }

    @Override
    public FileChannel open(Path file, OpenOption... options) throws IOException {
        FileChannel real = super.open(file, options);
        if (!file.getFileName().toString().endsWith(".seg")) {
            return real;
        }
        return new ForwardingFileChannel(real) {
            @Override
            public int write(ByteBuffer src) throws IOException {
                int n = super.write(src);
                writes.incrementAndGet();
                return n;
            }

            @Override
            public void force(boolean metaData) throws IOException {
                forces.incrementAndGet();
                try {
                    if (!gate.await(30, TimeUnit.SECONDS)) {
                        throw new IOException("gate never opened");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
                super.force(metaData);
            }
        };
    }
}
