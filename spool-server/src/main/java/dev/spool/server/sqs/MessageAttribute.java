package dev.spool.server.sqs;

import java.util.Arrays;

/**
 * One SQS message attribute: a data type ({@code String}, {@code Number} or {@code Binary},
 * optionally followed by {@code .label}) and a string or binary value.
 *
 * @param dataType the data type as the sender wrote it
 * @param stringValue the value of a String or Number attribute ({@code null} for Binary)
 * @param binaryValue the value of a Binary attribute ({@code null} otherwise)
 */
record MessageAttribute(String dataType, String stringValue, byte[] binaryValue) {

    boolean isBinary() {
        return dataType.startsWith("Binary");
    }

    /** The attribute's size as SQS counts it toward the message size: name, type and value. */
    long size(String name) {
        long value = isBinary() ? binaryValue.length : SqsText.utf8Length(stringValue);
        return SqsText.utf8Length(name) + SqsText.utf8Length(dataType) + value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MessageAttribute a && a.dataType.equals(dataType)
                && java.util.Objects.equals(a.stringValue, stringValue) && Arrays.equals(a.binaryValue, binaryValue);
    }

    @Override
    public int hashCode() {
        return dataType.hashCode() * 31 + Arrays.hashCode(binaryValue) + java.util.Objects.hashCode(stringValue);
    }
}
