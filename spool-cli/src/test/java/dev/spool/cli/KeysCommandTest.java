package dev.spool.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.spool.api.crypto.Keyring;
import dev.spool.cli.CliHarness.Result;

/** {@code spool keys rotate|list}: an owner-only keyring file, the new key active, no key printed. */
class KeysCommandTest {
    @TempDir
    Path dir;

    @Test
    void shouldCreateThenRotateAnOwnerOnlyKeyringWithoutPrintingKeys() throws Exception {
        Path f = dir.resolve("keys");
        Result first = CliHarness.run("keys", "rotate", "--keys-file", f.toString(), "--id", "k1");
        assertThat(first.code()).as(first.toString()).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        Result second = CliHarness.run("keys", "rotate", "--keys-file", f.toString(), "--id", "k2");
        assertThat(second.code()).as(second.toString()).isZero();
        assertThat(second.out()).contains("k2").contains("reload");

        Keyring ring = Keyring.load(f);
        assertThat(ring.ids()).containsExactly("k1", "k2");
        assertThat(ring.activeId()).isEqualTo("k2");
        for (String line : Files.readAllLines(f)) {
            String key = line.substring(line.indexOf(':') + 1);
            assertThat(first.out() + first.err() + second.out() + second.err()).doesNotContain(key);
        }
        Result list = CliHarness.run("keys", "list", "--keys-file", f.toString());
        assertThat(list.out().lines().toList()).isEqualTo(List.of("k1", "k2  (active)"));

        Result again = CliHarness.run("keys", "rotate", "--keys-file", f.toString(), "--id", "k2");
        assertThat(again.code()).isEqualTo(ExitCodes.USAGE);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        Result open = CliHarness.run("keys", "rotate", "--keys-file", f.toString());
        assertThat(open.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(open.err()).contains("chmod 600");
    }
}
