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
