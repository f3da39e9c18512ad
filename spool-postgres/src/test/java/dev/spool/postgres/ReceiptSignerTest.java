package dev.spool.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReceiptSignerTest {
    /** Key 00 01 .. 0f. */
    private static final byte[] KEY = new byte[16];

    static {
        for (int i = 0; i < 16; i++) {
            KEY[i] = (byte) i;
        }
    }

    @Test
    void shouldMatchSipHashReferenceVectorForTwentyFourBytes() {
        // SipHash-2-4 reference (Aumasson and Bernstein, vectors.h) of the message 00 01 .. 17
        long out = new ReceiptSigner(KEY).hash3(0x0706050403020100L, 0x0f0e0d0c0b0a0908L, 0x1716151413121110L);

        assertThat(out).isEqualTo(0xb8ad50c6f649af94L);
    }

    @Test
    void shouldGiveDifferentTagsToOtherGroupMessageAttemptOrKey() {
        ReceiptSigner s = new ReceiptSigner(KEY);
        long tag = s.tag(7, 42, 1);

        assertThat(tag).isNotZero();
        assertThat(s.tag(8, 42, 1)).isNotEqualTo(tag);
        assertThat(s.tag(7, 43, 1)).isNotEqualTo(tag);
        assertThat(s.tag(7, 42, 2)).isNotEqualTo(tag);
        byte[] other = KEY.clone();
        other[15] ^= 1;
        assertThat(new ReceiptSigner(other).tag(7, 42, 1)).isNotEqualTo(tag);
        assertThat(new ReceiptSigner(KEY).tag(7, 42, 1)).isEqualTo(tag);
    }
}
