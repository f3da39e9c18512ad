package dev.spool.embedded;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import dev.spool.api.ErrorCode;
import dev.spool.api.MessageBody;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;

/** What the broker reads into the heap before a command reaches the engine thread. */
final class Inlining {
    private Inlining() {
    }

    /** Memory mode keeps payloads on the heap: read streamed ones now, on the caller's thread. */
    static List<NewMessage> messages(List<NewMessage> messages) {
        List<NewMessage> out = null;
        for (int i = 0; i < messages.size(); i++) {
            NewMessage m = messages.get(i);
            if (m.body().payload() instanceof Payload.Streamed s) {
                if (out == null) {
                    out = new ArrayList<>(messages);
                }
                byte[] bytes;
                try {
                    bytes = s.toBytes();
                } catch (UncheckedIOException | IllegalStateException e) {
                    throw SpoolException.withField(ErrorCode.BAD_REQUEST, "messages[" + i + "].payload",
                            "the payload could not be read: " + e.getMessage());
                }
                MessageBody b = m.body();
                out.set(i, new NewMessage(new MessageBody(Payload.of(bytes), b.contentType(), b.headers(), b.key(),
                        b.priority(), b.traceparent()), m.delayMs(), m.notBeforeMs(), m.ttlMs(), m.dedupId()));
            }
        }
        return out == null ? messages : out;
    }

    /** Results are kept on the heap: bounded to 1 MiB and read in now. */
    static void checkResult(Payload p) {
        if (p.size() > Journal.MAX_RESULT_BYTES) {
            throw SpoolException.withField(ErrorCode.PAYLOAD_TOO_LARGE, "result",
                    "a result is at most " + Journal.MAX_RESULT_BYTES + " bytes");
        }
    }
}
