package dev.spool.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JSON state of {@code --state json} is one JSON object of exactly the asked size, and its tx
 * frame holds it as JSON; a bytes state goes as the frame's attachment.
 */
class StateDocsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(ints = {StateDocs.MIN_JSON, 100, 4096, 4097, 48 * 1024})
    void shouldMakeOneJsonObjectOfExactlyTheAskedSize(int size) throws Exception {
        byte[] doc = StateDocs.json(size);

        assertThat(doc).hasSize(size);
        JsonNode tree = JSON.readTree(doc);
        assertThat(tree.isObject()).isTrue();
        assertThat(tree.path("holder").asText()).isEqualTo("bench");
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldCarryTheStateInTheCycleFrameAsJsonOrAsItsAttachment(boolean json) throws Exception {
        byte[] state = json ? StateDocs.json(4096) : StateDocs.bytes(4096);
        LockStream.CycleFrame frame = LockStream.cycleFrame("l-1", "o", 10_000, state, json);
        // the frame lacks its closing brace: the req is appended per request
        JsonNode tree = JSON.readTree(new String(frame.json(), StandardCharsets.UTF_8) + ",\"req\":1}");

        JsonNode put = tree.path("ops").get(1);
        assertThat(put.path("op").asText()).isEqualTo("lock_state");
        if (json) {
            assertThat(put.path("content_type").asText()).isEqualTo("application/json");
            assertThat(put.path("payload")).isEqualTo(JSON.readTree(state));
            assertThat(frame.attachment()).isNull();
        } else {
            // bytes go as the frame's attachment, named by their count
            assertThat(put.path("payload_bytes").asInt()).isEqualTo(state.length);
            assertThat(frame.attachment()).isEqualTo(state);
        }
    }

    @org.junit.jupiter.api.Test
    void shouldRefuseASizeTooSmallForTheObject() {
        assertThatThrownBy(() -> StateDocs.json(StateDocs.MIN_JSON - 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
