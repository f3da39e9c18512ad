package dev.spool.api.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

import javax.crypto.SecretKey;

import dev.spool.api.Payload;

/**
 * A streamed payload sealed lazily: its {@link Envelope} bytes are produced 64 KiB at a time each
 * time it is read, under one key and nonce fixed when it was made, so every read gives the same
 * bytes (a journal reads it once for its CRC and once to write it).
 */
record SealedPayload(SecretKey key, Envelope.Header header, Payload plain, byte[] context)
        implements Payload.Streamed {
    @Override
    public long size() {
        return Envelope.sealedSize(header.keyId().length(), header.plainLength());
    }

    @Override
    public InputStream openStream() throws IOException {
        return new Envelope.Sealing(plain.openStream(), key, header, context);
    }

    @Override
    public void transferTo(WritableByteChannel target) throws IOException {
        copy(openStream(), target);
    }

    @Override
    public String toString() {
        return "SealedPayload[" + size() + " bytes, key " + header.keyId() + "]";
    }

    static void copy(InputStream source, WritableByteChannel target) throws IOException {
        try (InputStream in = source) {
            byte[] chunk = new byte[Envelope.CHUNK];
            int n;
            while ((n = in.read(chunk)) >= 0) {
                ByteBuffer b = ByteBuffer.wrap(chunk, 0, n);
                while (b.hasRemaining()) {
                    target.write(b);
                }
            }
        }
    }
}
