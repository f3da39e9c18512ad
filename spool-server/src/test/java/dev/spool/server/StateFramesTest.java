package dev.spool.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import dev.spool.api.LockState;
import dev.spool.api.LockStateInfo;
import dev.spool.api.Payload;

/**
 * {@link StateFrames}: an entry serves only the very document it was encoded from (the same array
 * and description), so a new version is never answered from an old entry, and the cache stays
 * within its entry and byte bounds.
 */
class StateFramesTest {
    private static final LockStateInfo V1 = new LockStateInfo(1, "application/json", 7, 1000, 3);

    @Test
    void shouldReuseFieldsOnlyForTheSameDocument() {
        StateFrames cache = new StateFrames(16, 1 << 20);
        byte[] doc = "{\"v\":1}".getBytes(StandardCharsets.UTF_8);
        byte[] fields = {',', '1'};
        cache.put("a", V1, doc, fields);

        assertThat(cache.get("a", V1, doc)).isSameAs(fields);
        assertThat(cache.get("a", V1, doc.clone())).as("equal bytes, another array").isNull();
        assertThat(cache.get("a", new LockStateInfo(2, "application/json", 7, 1000, 3), doc)).isNull();
        assertThat(cache.get("b", V1, doc)).isNull();
    }

    @Test
    void shouldEncodeOnceAndReencodeWhenTheDocumentChanges() throws Exception {
        StateFrames cache = new StateFrames(16, 1 << 20);
        LockState first = new LockState(V1, Payload.of("{\"v\":1}".getBytes(StandardCharsets.UTF_8)));
        byte[] a = StreamLocks.stateFields(cache, "a", first);
        byte[] again = StreamLocks.stateFields(cache, "a", new LockState(V1, first.payload()));
        LockState second = new LockState(new LockStateInfo(2, "application/json", 7, 2000, 3),
                Payload.of("{\"v\":2}".getBytes(StandardCharsets.UTF_8)));
        byte[] b = StreamLocks.stateFields(cache, "a", second);

        assertThat(again).isSameAs(a);
        JsonNode one = frame(a);
        JsonNode two = frame(b);
        assertThat(one.path("payload").path("v").asInt()).isEqualTo(1);
        assertThat(one.path("encoding").asText()).isEqualTo("json");
        assertThat(two.path("payload").path("v").asInt()).isEqualTo(2);
        assertThat(two.path("version").asLong()).isEqualTo(2);
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void shouldStayWithinEntryAndByteBounds() {
        StateFrames byCount = new StateFrames(4, 1 << 20);
        StateFrames byBytes = new StateFrames(1000, 1000);
        for (int i = 0; i < 50; i++) {
            byCount.put("n" + i, V1, new byte[100], new byte[50]);
            byBytes.put("n" + i, V1, new byte[200], new byte[100]);
        }
        byBytes.put("huge", V1, new byte[900], new byte[200]);

        assertThat(byCount.size()).isLessThanOrEqualTo(4).isPositive();
        assertThat(byCount.chargedBytes()).isEqualTo(byCount.size() * 150L);
        assertThat(byBytes.chargedBytes()).isLessThanOrEqualTo(1000).isEqualTo(byBytes.size() * 300L);
        assertThat(byBytes.size()).isPositive();
        assertThat(byBytes.get("huge", V1, new byte[900])).isNull();
    }

    private static JsonNode frame(byte[] fields) throws Exception {
        String json = "{\"op\":\"ok\"" + new String(fields, StandardCharsets.UTF_8) + "}";
        return ApiClient.JSON.readTree(json);
    }
}
