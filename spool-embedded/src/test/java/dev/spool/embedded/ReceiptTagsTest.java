package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ReceiptTagsTest {
    /** Key 00 01 .. 0f. */
    private static final byte[] KEY = new byte[16];

    static {
        for (int i = 0; i < 16; i++) {
            KEY[i] = (byte) i;
        }
    }

    @Test
    void shouldGiveDifferentTagsToOtherGroupQueueAttemptOrKey() {
        ReceiptTags t = new ReceiptTags(KEY);
        long tag = t.tag(1, 2, 42, 1);
        assertThat(tag).isNotZero();
        assertThat(t.tag(1, 3, 42, 1)).isNotEqualTo(tag);
        assertThat(t.tag(2, 2, 42, 1)).isNotEqualTo(tag);
        assertThat(t.tag(1, 2, 42, 2)).isNotEqualTo(tag);
        assertThat(t.tag(1, 2, 43, 1)).isNotEqualTo(tag);
        assertThat(ReceiptTags.random().tag(1, 2, 42, 1)).isNotEqualTo(tag);
        assertThat(new ReceiptTags(KEY).tag(1, 2, 42, 1)).isEqualTo(tag);
    }
}
