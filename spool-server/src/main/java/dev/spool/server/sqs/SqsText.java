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
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c <= 0xD7FF || c == 0x9 || c == 0xA || c == 0xD || c >= 0xE000 && c <= 0xFFFD) {
                continue;
            }
            // a supplementary character is a high surrogate followed by a low one; a lone one is refused
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            }
            return false;
        }
        return true;
    }
}
