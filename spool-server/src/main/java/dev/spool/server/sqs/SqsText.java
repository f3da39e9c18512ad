package dev.spool.server.sqs;

/** Text rules of SQS: the characters a body or attribute may hold, and sizes in UTF-8 bytes. */
final class SqsText {
    private SqsText() {
    }

    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * Whether every character is one SQS allows in a body or string attribute: {@code #x9 | #xA |
     * #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF}.
     */
    static boolean allowed(String s) {
        for (int i = 0; i < s.length(); i++) {
            int cp = s.codePointAt(i);
            if (Character.isSupplementaryCodePoint(cp)) {
                i++;
                continue;
            }
            if (Character.isSurrogate((char) cp)) {
                return false;
            }
            boolean ok = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF)
                    || (cp >= 0xE000 && cp <= 0xFFFD);
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
