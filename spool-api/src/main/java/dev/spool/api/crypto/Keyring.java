package dev.spool.api.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The named AES-256 keys that encryption at rest uses: key id to 32 bytes, one of them active for
 * new writes. Old keys stay so that records written under them can still be read.
 *
 * <p>Text form (a keys file, or the {@code SPOOL_ENCRYPTION_KEYS} environment variable): one key a
 * line, {@code <id>:<base64 of 32 bytes>}; blank lines and lines starting with {@code #} are
 * ignored; in the environment variable {@code ;} also separates keys. Ids are 1 to 32 characters of
 * {@code [A-Za-z0-9._-]}. The <b>last</b> key is the active one, so rotation appends a line.
 *
 * <p>A keyring a server runs with is <i>live</i>: {@link #replaceWith} swaps in a reloaded ring
 * (a changed keys file or {@code SIGHUP}) for every holder at once. Each read of the ring sees one
 * consistent set of keys; a caller that needs the same active key across several calls (sealing,
 * then writing the key id beside the bytes) takes a {@link #snapshot}, which never changes.
 *
 * <p>Key bytes never leave this class except to the cipher: {@link #toString} names ids only, and
 * every error names the source and line number, never the line.
 */
public final class Keyring {
    /** Key length in bytes (AES-256). */
    public static final int KEY_BYTES = 32;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,32}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private volatile State state;
    private final boolean pinned;

    /** One consistent set of keys and the active one. */
    record State(Map<String, SecretKey> keys, String activeId, SecretKey active, byte[] activeIdBytes) {
        State(Map<String, SecretKey> keys, String activeId) {
            // looked up once here, not at every seal (a profile put 2.5 % of a server's samples in that lookup)
            this(keys, activeId, keys.get(activeId), activeId.getBytes(StandardCharsets.US_ASCII));
        }

        /** The key whose ASCII id is {@code len} bytes of {@code b} from {@code off}, or null. */
        SecretKey key(byte[] b, int off, int len) {
            if (Arrays.equals(b, off, off + len, activeIdBytes, 0, activeIdBytes.length)) {
                return active;
            }
            return keys.get(new String(b, off, len, StandardCharsets.US_ASCII));
        }
    }

    private Keyring(State state, boolean pinned) {
        this.state = state;
        this.pinned = pinned;
    }

    private Keyring(Map<String, SecretKey> keys, String activeId) {
        this(new State(Collections.unmodifiableMap(keys), activeId), false);
    }

    /** The keys as they are now (package-private: the cipher reads them once per record). */
    State state() {
        return state;
    }

    /** A keyring fixed to the keys this one holds now: later {@link #replaceWith} calls do not change it. */
    public Keyring snapshot() {
        return pinned ? this : new Keyring(state, true);
    }

    /**
     * Makes this keyring hold {@code next}'s keys, for every holder of it: new seals use
     * {@code next}'s active key, opens find the keys {@code next} holds.
     *
     * @throws IllegalStateException on a {@link #snapshot}
     */
    public void replaceWith(Keyring next) {
        if (pinned) {
            throw new IllegalStateException("a keyring snapshot does not change");
        }
        state = next.state;
    }

    /**
     * Parses the text form.
     *
     * @param source what the text came from, for error messages (a path or a variable name)
     * @throws IllegalArgumentException naming the source and line of a bad key, a repeated id, or no key
     */
    public static Keyring parse(String text, String source) {
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        String last = null;
        String[] lines = text.split("[\\n;]", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            String where = source + " entry " + (i + 1);
            if (colon < 0) {
                throw new IllegalArgumentException(where + " is not <id>:<base64 key>");
            }
            String id = line.substring(0, colon).strip();
            checkId(id, where);
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(line.substring(colon + 1).strip());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + " (key " + id + ") is not valid base64");
            }
            if (bytes.length != KEY_BYTES) {
                throw new IllegalArgumentException(where + " (key " + id + ") is " + bytes.length
                        + " bytes; AES-256 keys are " + KEY_BYTES);
            }
            if (keys.putIfAbsent(id, new SecretKeySpec(bytes, "AES")) != null) {
                throw new IllegalArgumentException(where + " repeats key id " + id);
            }
            java.util.Arrays.fill(bytes, (byte) 0);
            last = id;
        }
        if (last == null) {
            throw new IllegalArgumentException(source + " holds no key");
        }
        return new Keyring(keys, last);
    }

    /**
     * Loads a keys file, refusing one that the group or others may read or write.
     *
     * @throws IllegalArgumentException naming the file when it is missing, unreadable, too open or malformed
     */
    public static Keyring load(Path file) {
        checkPermissions(file);
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the encryption keys file " + file + ": " + e.getMessage());
        }
    }

    /** Refuses a keys file with any group or other permission (POSIX file systems only). */
    public static void checkPermissions(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("encryption keys file " + file + " does not exist");
        }
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException e) {
            return;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the permissions of " + file + ": " + e.getMessage());
        }
        for (PosixFilePermission p : perms) {
            if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE) {
                throw new IllegalArgumentException("encryption keys file " + file + " must be readable by its owner"
                        + " only (chmod 600): it has " + java.nio.file.attribute.PosixFilePermissions.toString(perms));
            }
        }
    }

    /** A new key line {@code <id>:<base64>} with 32 bytes from {@link SecureRandom}. */
    public static String newKeyLine(String id) {
        checkId(id, "key id");
        byte[] bytes = new byte[KEY_BYTES];
        RANDOM.nextBytes(bytes);
        String line = id + ":" + Base64.getEncoder().encodeToString(bytes);
        java.util.Arrays.fill(bytes, (byte) 0);
        return line;
    }

    private static void checkId(String id, String where) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException(where + ": a key id is 1 to 32 characters of A-Z a-z 0-9 . _ -");
        }
    }

    /** The id of the key new writes use. */
    public String activeId() {
        return state.activeId();
    }

    /** The key whose ASCII id is {@code len} bytes of {@code b} from {@code off}, or null. */
    SecretKey key(byte[] b, int off, int len) {
        return state.key(b, off, len);
    }

    /** The key named {@code id}, if the keyring holds it. */
    Optional<SecretKey> key(String id) {
        return Optional.ofNullable(state.keys().get(id));
    }

    /**
     * The ids of this keyring that {@code next} drops or holds with other key bytes: records sealed
     * under them would no longer open with {@code next}.
     */
    public Set<String> lostIn(Keyring next) {
        Map<String, SecretKey> mine = state.keys();
        Map<String, SecretKey> theirs = next.state.keys();
        Set<String> out = new java.util.LinkedHashSet<>();
        for (Map.Entry<String, SecretKey> e : mine.entrySet()) {
            SecretKey k = theirs.get(e.getKey());
            if (k == null || !java.security.MessageDigest.isEqual(k.getEncoded(), e.getValue().getEncoded())) {
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** Whether the keyring holds a key named {@code id}. */
    public boolean has(String id) {
        return state.keys().containsKey(id);
    }

    /** Every key id, oldest first (the last is the active one). */
    public Set<String> ids() {
        return state.keys().keySet();
    }

    /** Names the key ids and the active one; never key material. */
    @Override
    public String toString() {
        State s = state;
        return "Keyring[ids=" + s.keys().keySet() + ", active=" + s.activeId() + "]";
    }
}
