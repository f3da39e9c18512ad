package dev.spool.api.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RandomBytesTest {

    @Test
    void shouldHandOutEveryByteOnceAcrossBlockBoundaries() {
        Set<String> seen = new HashSet<>();
        int takes = 0;
        for (int total = 0; total < 5 * RandomBytes.BLOCK; total += 16) {
            byte[] b = RandomBytes.take(16);
            assertThat(b).hasSize(16);
            seen.add(HexFormat.of().formatHex(b));
            takes++;
        }
        assertThat(seen).hasSize(takes);
        // an odd size that does not divide the block: the rest of a block is skipped, never reused
        assertThat(RandomBytes.take(RandomBytes.BLOCK)).hasSize(RandomBytes.BLOCK);
        assertThat(RandomBytes.take(500)).isNotEqualTo(RandomBytes.take(500));
    }

    @Test
    void shouldRefuseSizesOutsideOneBlock() {
        assertThatThrownBy(() -> RandomBytes.take(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RandomBytes.take(RandomBytes.BLOCK + 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
