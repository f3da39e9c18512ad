package dev.spool.server;

import java.util.Arrays;

import dev.spool.api.ErrorCode;
import dev.spool.api.SpoolException;

/**
 * The raw bytes a {@code /v1/stream} binary message carries after its JSON (docs/api.md, "Binary
 * frames with an attachment"): byte 0 is {@code 0x00} (no JSON text starts with it), bytes 1–4 the
 * length {@code n} of the JSON frame (big-endian, unsigned), then the {@code n} bytes of the frame,
 * then the attachment. Ops name their payloads in it by size ({@code "payload_bytes": 4096}) and take
 * them in the order they are read, which is the order they come in the frame; the sizes must add
 * up to the whole attachment. Payloads go in as the bytes they are: no base64 to find the end of,
 * skip and decode, and a quarter fewer bytes on the wire.
 *
 * <p>A cursor: one per reading of a frame ({@link #again()} starts a second reading from the top).
 */
final class FrameAttachment {
    /** The first byte of a binary message with an attachment. */
    static final byte MARK = 0;
    /** The mark and the frame's length. */
    static final int HEAD = 5;

    private final byte[] message;
    private final int start;
    private int pos;

    private FrameAttachment(byte[] message, int start) {
        this.message = message;
        this.start = start;
        this.pos = start;
    }

    /** Whether {@code message} is a binary message with an attachment (its first byte is the mark). */
    static boolean marked(byte[] message) {
        return message.length > 0 && message[0] == MARK;
    }

    /**
     * The length of the JSON frame of a marked message, checked against the message's length.
     *
     * @throws SpoolException {@code bad_request} when the head is cut short or names more bytes than came
     */
    static int frameLength(byte[] message) {
        if (message.length < HEAD) {
            throw new SpoolException(ErrorCode.BAD_REQUEST, "a binary frame with an attachment starts with 0x00"
                    + " and the frame's length in 4 bytes");
        }
        long n = ((message[1] & 0xffL) << 24) | ((message[2] & 0xff) << 16) | ((message[3] & 0xff) << 8)
                | (message[4] & 0xff);
        if (n > message.length - HEAD) {
            throw new SpoolException(ErrorCode.BAD_REQUEST, "the frame's length (" + n + " bytes) is more than the "
                    + (message.length - HEAD) + " bytes that follow it");
        }
        return (int) n;
    }

    /** The attachment of a marked message whose JSON frame is {@code frameLength} bytes. */
    static FrameAttachment of(byte[] message, int frameLength) {
        return new FrameAttachment(message, HEAD + frameLength);
    }

    /** The same attachment, read again from its first byte. */
    FrameAttachment again() {
        return new FrameAttachment(message, start);
    }

    /** Bytes not yet taken. */
    int remaining() {
        return message.length - pos;
    }

    /**
     * The next {@code n} bytes, copied out (the message's array is not kept).
     *
     * @throws SpoolException {@code invalid_argument} on {@code field} when fewer are left
     */
    byte[] take(long n, String field) {
        if (n < 0 || n > remaining()) {
            throw SpoolException.invalid(field, "names " + n + " bytes of the attachment, which has "
                    + remaining() + " left");
        }
        byte[] out = Arrays.copyOfRange(message, pos, pos + (int) n);
        pos += (int) n;
        return out;
    }

    /**
     * Checks that every byte was taken.
     *
     * @throws SpoolException {@code invalid_argument} on {@code field} otherwise
     */
    void checkAllTaken(String field) {
        if (remaining() != 0) {
            throw SpoolException.invalid(field, remaining() + " bytes of the attachment are named by no payload_bytes");
        }
    }
}
