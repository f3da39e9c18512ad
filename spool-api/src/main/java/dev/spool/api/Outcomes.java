package dev.spool.api;

import java.util.Arrays;

/**
 * The per-receipt outcomes of an ack, nack or extend, in request order, stored compactly so a
 * large batch allocates one array. Immutable once built.
 */
public final class Outcomes {
    private final byte[] codes;

    private Outcomes(byte[] codes) {
        this.codes = codes;
    }

    /** Collects outcomes; not thread-safe, used once. */
    public static Builder builder(int size) {
        return new Builder(size);
    }

    /** All {@code n} receipts succeeded. */
    public static Outcomes allOk(int n) {
        return new Outcomes(new byte[n]);
    }

    /** Number of outcomes. */
    public int size() {
        return codes.length;
    }

    /** Outcome of receipt {@code i}. */
    public ReceiptOutcome get(int i) {
        return ReceiptOutcome.ofOrdinal(codes[i]);
    }

    /** How many receipts succeeded. */
    public int okCount() {
        int n = 0;
        for (byte c : codes) {
            if (c == 0) {
                n++;
            }
        }
        return n;
    }

    /** Index of the first receipt that did not succeed, or -1. */
    public int firstFailure() {
        for (int i = 0; i < codes.length; i++) {
            if (codes[i] != 0) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Outcomes other && Arrays.equals(codes, other.codes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(codes);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Outcomes[");
        for (int i = 0; i < codes.length; i++) {
            sb.append(i == 0 ? "" : ",").append(get(i).wire());
        }
        return sb.append(']').toString();
    }

    /** Fills outcomes one by one. */
    public static final class Builder {
        private final byte[] codes;

        private Builder(int size) {
            this.codes = new byte[size];
        }

        /** Sets outcome {@code i}. */
        public Builder set(int i, ReceiptOutcome outcome) {
            codes[i] = (byte) outcome.ordinal();
            return this;
        }

        /** The outcomes. */
        public Outcomes build() {
            return new Outcomes(codes);
        }
    }
}
