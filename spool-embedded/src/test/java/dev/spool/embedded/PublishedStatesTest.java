package dev.spool.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.spool.api.LockStateInfo;
import dev.spool.api.Payload;

/** The published lock documents: only newer versions replace older ones, deletes leave tombstones, memory is bounded. */
class PublishedStatesTest {
    private static LockStateInfo info(long version, int size) {
        return new LockStateInfo(version, "text/plain", size, 1_000 + version, 7);
    }

    @Test
    void shouldAskTheEngineWhenNothingWasPublished() {
        assertThat(new PublishedStates(1 << 20).read("a")).isNull();
    }

    @Test
    void shouldKeepTheNewerVersionWhenAnOlderOneIsPublishedLate() {
        PublishedStates p = new PublishedStates(1 << 20);
        p.written("a", info(2, 3), Payload.ofUtf8("two"));
        p.written("a", info(1, 3), Payload.ofUtf8("one"));

        assertThat(p.read("a").orElseThrow().payload().asUtf8()).isEqualTo("two");
        assertThat(p.read("a").orElseThrow().info()).isEqualTo(info(2, 3));
    }

    @Test
    void shouldAnswerNoStateWhenDeletedEvenIfTheDeletedVersionIsPublishedAgain() {
        PublishedStates p = new PublishedStates(1 << 20);
        p.written("a", info(3, 5), Payload.ofUtf8("three"));
        p.deleted("a", 3);
        p.written("a", info(3, 5), Payload.ofUtf8("three"));

        assertThat(p.read("a")).isEmpty();
        assertThat(p.chargedBytes()).isZero();
        p.written("a", info(4, 4), Payload.ofUtf8("four"));
        assertThat(p.read("a").orElseThrow().payload().asUtf8()).isEqualTo("four");
    }

    @Test
    void shouldAskTheEngineWhenTheDocumentIsLargeOrTheBudgetIsSpent() {
        PublishedStates p = new PublishedStates(10);
        p.written("big", info(1, PublishedStates.MAX_INLINE_BYTES + 1),
                Payload.of(new byte[PublishedStates.MAX_INLINE_BYTES + 1]));
        p.written("fits", info(1, 8), Payload.of(new byte[8]));
        p.written("over", info(1, 8), Payload.of(new byte[8]));

        assertThat(p.read("big")).isNull();
        assertThat(p.read("fits")).isPresent();
        assertThat(p.read("over")).isNull();
        assertThat(p.chargedBytes()).isEqualTo(8);
        p.written("fits", info(2, 2), Payload.of(new byte[2]));
        assertThat(p.chargedBytes()).as("a replaced document gives its bytes back").isEqualTo(2);
    }
}
