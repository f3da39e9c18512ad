package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LongObjectMapTest {

    @Test
    void shouldBehaveLikeAHashMapUnderRandomOperations() {
        LongObjectMap<String> map = new LongObjectMap<>(4);
        Map<Long, String> ref = new HashMap<>();
        Random r = new Random(1);
        for (int i = 0; i < 200_000; i++) {
            long k = r.nextInt(5000) * 0x10_0000L + r.nextInt(3);
            switch (r.nextInt(3)) {
                case 0 -> assertThat(map.put(k, "v" + i)).isEqualTo(ref.put(k, "v" + i));
                case 1 -> assertThat(map.remove(k)).isEqualTo(ref.remove(k));
                default -> assertThat(map.get(k)).isEqualTo(ref.get(k));
            }
        }
        assertThat(map.size()).isEqualTo(ref.size());
        int[] seen = {0};
        map.forEachValue(v -> seen[0]++);
        assertThat(seen[0]).isEqualTo(ref.size());
    }
}
