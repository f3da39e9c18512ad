package dev.spool.server.sqs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.type.WritableTypeId;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;

/**
 * The {@code Messages} of a ReceiveMessage reply, written straight to the JSON generator rather
 * than built as a tree: a body of plain ASCII (what nearly every SQS body is) goes from the stored
 * payload to the reply's bytes without being decoded into a {@code String} and encoded again, and
 * its {@code MD5OfBody} is computed over the same bytes. Other bodies take the decoded path, so
 * invalid UTF-8 in a payload written through the native API is replaced exactly as before. The
 * query protocol asks for the same content as a tree ({@link #tree}).
 */
final class Received implements JsonSerializable {
    /**
     * One message.
     *
     * @param ascii the body's bytes when they are all ASCII (then {@code text} is null), else null
     * @param text the decoded body when it is not all ASCII, else null
     * @param attributes the system attributes asked for; null when none
     * @param messageAttributes the message attributes asked for, in reply shape; null when none
     * @param md5Attributes {@code MD5OfMessageAttributes}; null when none
     */
    record Message(String messageId, String receipt, String md5Body, byte[] ascii, String text,
            ObjectNode attributes, ObjectNode messageAttributes, String md5Attributes) {
        String body() {
            return text != null ? text : new String(ascii, StandardCharsets.US_ASCII);
        }
    }

    private final List<Message> messages;

    Received(int expected) {
        this.messages = new ArrayList<>(expected);
    }

    /** Adds a message whose body is {@code utf8}; computes its MD5 once. */
    void add(String messageId, String receipt, byte[] utf8, ObjectNode attributes, ObjectNode messageAttributes,
            String md5Attributes) {
        if (isAscii(utf8)) {
            messages.add(new Message(messageId, receipt, Md5s.ofBody(utf8), utf8, null, attributes,
                    messageAttributes, md5Attributes));
        } else {
            String text = new String(utf8, StandardCharsets.UTF_8);
            messages.add(new Message(messageId, receipt, Md5s.ofBody(text), null, text, attributes,
                    messageAttributes, md5Attributes));
        }
    }

    boolean isEmpty() {
        return messages.isEmpty();
    }

    /** The value to put under {@code Messages} in a reply. */
    POJONode node() {
        return new POJONode(this);
    }

    static boolean isAscii(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void serialize(JsonGenerator g, SerializerProvider provider) throws IOException {
        g.writeStartArray();
        for (Message m : messages) {
            g.writeStartObject();
            g.writeStringField("MessageId", m.messageId());
            g.writeStringField("ReceiptHandle", m.receipt());
            g.writeStringField("MD5OfBody", m.md5Body());
            g.writeFieldName("Body");
            if (m.ascii() != null) {
                // escapes what JSON needs (quotes, backslashes, control characters) as writeString does
                g.writeUTF8String(m.ascii(), 0, m.ascii().length);
            } else {
                g.writeString(m.text());
            }
            if (m.attributes() != null) {
                g.writeFieldName("Attributes");
                m.attributes().serialize(g, provider);
            }
            if (m.messageAttributes() != null) {
                g.writeStringField("MD5OfMessageAttributes", m.md5Attributes());
                g.writeFieldName("MessageAttributes");
                m.messageAttributes().serialize(g, provider);
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    @Override
    public void serializeWithType(JsonGenerator g, SerializerProvider provider, TypeSerializer ts)
            throws IOException {
        WritableTypeId id = ts.writeTypePrefix(g, ts.typeId(this, com.fasterxml.jackson.core.JsonToken.START_ARRAY));
        serialize(g, provider);
        ts.writeTypeSuffix(g, id);
    }

    /** The same messages as a tree, in the order and shape of {@link #serialize}. */
    ArrayNode tree() {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (Message m : messages) {
            ObjectNode o = out.addObject();
            o.put("MessageId", m.messageId());
            o.put("ReceiptHandle", m.receipt());
            o.put("MD5OfBody", m.md5Body());
            o.put("Body", m.body());
            if (m.attributes() != null) {
                o.set("Attributes", m.attributes());
            }
            if (m.messageAttributes() != null) {
                o.put("MD5OfMessageAttributes", m.md5Attributes());
                o.set("MessageAttributes", m.messageAttributes());
            }
        }
        return out;
    }

    /** {@code node} itself, or the tree of the {@link Received} it wraps. */
    static JsonNode tree(JsonNode node) {
        return node instanceof POJONode p && p.getPojo() instanceof Received r ? r.tree() : node;
    }
}
