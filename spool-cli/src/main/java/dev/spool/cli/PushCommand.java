package dev.spool.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.spool.api.MessageBody;
import dev.spool.api.MessageIds;
import dev.spool.api.NewMessage;
import dev.spool.api.Payload;
import dev.spool.api.SpoolException;
import dev.spool.client.Producer;
import dev.spool.client.ProducerOptions;
import dev.spool.client.SpoolClient;

/**
 * {@code spool push}: messages from the arguments, from a file ({@code --file}, one message streamed
 * as the raw body), or one per line of standard input (batched). Prints the new ids in order.
 */
@Command(name = "push", mixinStandardHelpOptions = true,
        description = {"Push messages: each MESSAGE argument is one; without arguments or --file, each line of "
            + "standard input is one."})
final class PushCommand extends ClientCommand {
    static final String TEXT = "text/plain; charset=utf-8";

    /** Standard input; tests replace it. */
    static java.io.InputStream stdin = System.in;

    @Parameters(index = "0", paramLabel = "QUEUE")
    String queue;

    @Parameters(index = "1..*", paramLabel = "MESSAGE",
            description = "Message payloads: sent as application/json when the text is a JSON value, else as text.")
    List<String> messages = new ArrayList<>();

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Push the file's bytes as one message.")
    Path file;

    @Option(names = "--content-type", paramLabel = "TYPE",
            description = "Content type (default: application/json for a JSON value, else text/plain; "
                + "charset=utf-8; application/octet-stream for --file).")
    String contentType;

    @Option(names = "--text", description = "Send every payload as text/plain, even one that is valid JSON.")
    boolean text;

    @Option(names = {"-k", "--key"}, paramLabel = "KEY", description = "Ordering key.") String key;
    @Option(names = {"-p", "--priority"}, paramLabel = "0-9", defaultValue = "0") int priority;
    @Option(names = "--delay-ms", paramLabel = "MS", defaultValue = "0") long delayMs;
    @Option(names = "--ttl-ms", paramLabel = "MS", defaultValue = "0") long ttlMs;
    @Option(names = "--dedup-id", paramLabel = "ID") String dedupId;
    @Option(names = {"-H", "--header"}, paramLabel = "NAME=VALUE", description = "Application header (repeatable).")
    Map<String, String> headers = new LinkedHashMap<>();
    @Option(names = "--batch", paramLabel = "N", defaultValue = "1000",
            description = "Messages per request when reading standard input (default ${DEFAULT-VALUE}).")
    int batch;

    @Override
    Integer run(SpoolClient client, Output o) throws Exception {
        if (file != null && !messages.isEmpty()) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give MESSAGE arguments or --file, not both");
        }
        List<Long> ids = new ArrayList<>();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "no such file: " + file);
            }
            String ct = contentType == null ? MessageBody.OCTET_STREAM : contentType;
            NewMessage m = message(Payload.ofFile(file, Files.size(file)), ct);
            long id = Output.isJson(ct) ? SpoolClient.await(client.push(queue, List.of(message(
                    Payload.of(Files.readAllBytes(file)), ct))))[0] : SpoolClient.await(client.pushRaw(queue, m));
            ids.add(id);
        } else if (!messages.isEmpty()) {
            List<NewMessage> batchOf = new ArrayList<>();
            for (String s : messages) {
                batchOf.add(message(Payload.ofUtf8(s), typeOf(s)));
            }
            for (long id : SpoolClient.await(client.push(queue, batchOf))) {
                ids.add(id);
            }
        } else {
            return fromStdin(client, o);
        }
        print(o, ids);
        return ExitCodes.OK;
    }

    /** Streams standard input through a producer, printing ids in input order as they come. */
    private Integer fromStdin(SpoolClient client, Output o) throws Exception {
        if (batch < 1 || batch > 100_000) {
            throw SpoolException.invalid("--batch", "must be between 1 and 100000");
        }
        List<Long> all = new ArrayList<>();
        Deque<CompletableFuture<Long>> pending = new ArrayDeque<>();
        BufferedReader in = new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
        try (Producer p = client.producer(queue, ProducerOptions.DEFAULTS.withMaxBatch(batch)
                .withMaxBuffered(Math.max(batch, 10_000)).withLingerMs(20))) {
            String line;
            while ((line = in.readLine()) != null) {
                pending.add(p.send(message(Payload.ofUtf8(line), typeOf(line))));
                drain(pending, o, all, false);
            }
            p.flush();
        }
        drain(pending, o, all, true);
        if (o.json()) {
            print(o, all);
        }
        return ExitCodes.OK;
    }

    private void drain(Deque<CompletableFuture<Long>> pending, Output o, List<Long> all, boolean wait) {
        while (!pending.isEmpty() && (wait || pending.peekFirst().isDone())) {
            long id = SpoolClient.await(pending.pollFirst());
            if (o.json()) {
                all.add(id);
            } else {
                o.out().println(MessageIds.format(id));
            }
        }
    }

    /** The content type of a text payload: the one asked for, else JSON when it parses as JSON, else text. */
    String typeOf(String payload) {
        if (contentType != null) {
            return contentType;
        }
        return !text && isJsonValue(payload) ? MessageBody.JSON : TEXT;
    }

    /** Whether the whole text is one JSON value ({@code {"n": 1}}, {@code [1]}, {@code 42}, {@code true}). */
    static boolean isJsonValue(String s) {
        if (s.isBlank()) {
            return false;
        }
        try (com.fasterxml.jackson.core.JsonParser p = Output.JSON.createParser(s)) {
            Output.JSON.readTree(p);
            return p.nextToken() == null;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private NewMessage message(Payload payload, String ct) {
        NewMessage.Builder b = NewMessage.builder(payload).contentType(ct).priority(priority).delayMs(delayMs)
                .ttlMs(ttlMs).headers(headers);
        if (key != null) {
            b.key(key);
        }
        if (dedupId != null) {
            b.dedupId(dedupId);
        }
        return b.build();
    }

    private static void print(Output o, List<Long> ids) {
        if (o.json()) {
            ObjectNode doc = Output.JSON.createObjectNode();
            ArrayNode a = doc.putArray("ids");
            ids.forEach(id -> a.add(MessageIds.format(id)));
            o.print(doc);
        } else {
            ids.forEach(id -> o.out().println(MessageIds.format(id)));
        }
    }
}
