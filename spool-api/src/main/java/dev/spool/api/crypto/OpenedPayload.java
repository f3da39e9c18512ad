package dev.spool.api.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.WritableByteChannel;

import dev.spool.api.Payload;

/**
 * The plaintext view of a sealed streamed payload: each read decrypts and verifies it 64 KiB at a
 * time; a chunk that fails its tag ends the read with {@link Envelope.Tampered}, so no unverified
 * byte is handed out.
 */
record OpenedPayload(Keyring ring, Payload sealed, byte[] context, long size) implements Payload.Streamed {
    @Override
    public InputStream openStream() throws IOException {
        return Envelope.opening(ring, sealed.openStream(), context);
    }

    @Override
    public void transferTo(WritableByteChannel target) throws IOException {
        SealedPayload.copy(openStream(), target);
    }

    @Override
    public String toString() {
        return "OpenedPayload[" + size + " bytes]";
    }
}
