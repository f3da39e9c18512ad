package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.zip.CRC32C;

import org.junit.jupiter.api.Test;

class Crc32cTest {
    private static int crc(byte[] b, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(b, off, len);
        return (int) c.getValue();
    }

    @Test
    void shouldCombineTheCrcsOfTwoPartsIntoTheCrcOfTheWholeWhateverTheSplit() {
        Random r = new Random(7);
        byte[] data = new byte[70_000];
        r.nextBytes(data);
        int whole = crc(data, 0, data.length);
        for (int split : new int[] {0, 1, 3, 4095, 4096, 65_536, 69_999, 70_000}) {
            int a = crc(data, 0, split);
            int b = crc(data, split, data.length - split);
            assertThat(Crc32c.combine(a, b, data.length - split)).as("split at %d", split).isEqualTo(whole);
        }
    }

    @Test
    void shouldCombineAcrossAPartLongerThanFourGibibytesOfShift() {
        // the shift of a long part is computed by squaring; check it against shifting twice
        int a = 0x12345678;
        long n = (5L << 30) + 12_345;
        int once = Crc32c.combine(a, 0, n);
        int twice = Crc32c.combine(Crc32c.combine(a, 0, 5L << 30), 0, 12_345);
        assertThat(once).isEqualTo(twice);
    }

    @Test
    void shouldBuildARecordCrcFromRunsAndPartsOfKnownCrc() {
        Random r = new Random(11);
        byte[] data = new byte[300_000];
        r.nextBytes(data);
        Crc32c.Running running = new Crc32c.Running();
        running.update(data, 0, 39);
        running.append(crc(data, 39, 200_000), 200_000);
        running.update(data, 200_039, 10);
        running.append(crc(data, 200_049, 99_000), 99_000);
        running.append(crc(data, 299_049, 0), 0);
        running.update(data, 299_049, 951);

        assertThat(running.value()).isEqualTo(crc(data, 0, data.length));
        running.reset();
        assertThat(running.value()).isEqualTo(crc(data, 0, 0));
    }
}
