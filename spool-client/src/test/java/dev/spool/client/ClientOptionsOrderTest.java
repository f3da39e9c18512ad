package dev.spool.client;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The {@code with*} copies of the option records compose in any order (issue 18). */
class ClientOptionsOrderTest {
    @Test
    void shouldGiveSameProducerOptionsWhenBatchAndBufferAreSetInEitherOrder() {
        ProducerOptions bufferFirst = ProducerOptions.DEFAULTS.withMaxBuffered(500).withMaxBatch(100);
        ProducerOptions batchFirst = ProducerOptions.DEFAULTS.withMaxBatch(100).withMaxBuffered(500);
        assertThat(bufferFirst).isEqualTo(batchFirst);
        assertThat(bufferFirst.maxBatch()).isEqualTo(100);
        assertThat(bufferFirst.maxBuffered()).isEqualTo(500);
    }

    @Test
    void shouldLetTheLaterCallWinWhenBatchAndBufferConflict() {
        ProducerOptions smallBuffer = ProducerOptions.DEFAULTS.withMaxBatch(100).withMaxBuffered(50);
        assertThat(smallBuffer.maxBatch()).isEqualTo(50);
        assertThat(smallBuffer.maxBuffered()).isEqualTo(50);
        ProducerOptions bigBatch = ProducerOptions.DEFAULTS.withMaxBuffered(50).withMaxBatch(100);
        assertThat(bigBatch.maxBatch()).isEqualTo(100);
        assertThat(bigBatch.maxBuffered()).isEqualTo(100);
    }
}
