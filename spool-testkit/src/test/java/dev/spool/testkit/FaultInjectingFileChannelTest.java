package dev.spool.testkit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaultInjectingFileChannelTest {
    @TempDir
    Path dir;
    private Path file;

    @BeforeEach
    void setUp() {
        file = dir.resolve("segment");
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(US_ASCII));
    }

    private String content() throws IOException {
        return new String(Files.readAllBytes(file), US_ASCII);
    }

    @Test
    void shouldDelegateWritesReadsAndPositionWhenNoFaultIsArmed() throws IOException {
        try (FaultInjectingFileChannel ch = FaultInjectingFileChannel.open(file, CREATE, READ, WRITE)) {
            assertThat(ch.write(ascii("hello "))).isEqualTo(6);
            assertThat(ch.write(ascii("world"))).isEqualTo(5);
            ByteBuffer back = ByteBuffer.allocate(11);
            ch.read(back, 0);

            assertThat(new String(back.array(), US_ASCII)).isEqualTo("hello world");
            assertThat(ch.position()).isEqualTo(11);
            assertThat(ch.size()).isEqualTo(11);
            assertThat(ch.writeCount()).isEqualTo(2);
            assertThat(ch.bytesWritten()).isEqualTo(11);
        }
    }

    @Test
    void shouldWriteNothingAndThrowWhenNextWriteIsFailed() throws IOException {
        try (FaultInjectingFileChannel ch = FaultInjectingFileChannel.open(file, CREATE, WRITE)) {
            ch.write(ascii("kept"));
            ch.failNextWrite();
            ByteBuffer lost = ascii("lost");

            assertThatThrownBy(() -> ch.write(lost)).isInstanceOf(IOException.class).hasMessageContaining("injected");

            assertThat(lost.position()).isZero();
            assertThat(ch.write(ascii("+after"))).isEqualTo(6);
            assertThat(ch.faultsFired()).isEqualTo(1);
        }
        assertThat(content()).isEqualTo("kept+after");
    }

    @Test
    void shouldWriteOnlyFirstBytesThenThrowWhenNextWriteIsTorn() throws IOException {
        try (FaultInjectingFileChannel ch = FaultInjectingFileChannel.open(file, CREATE, WRITE)) {
            ch.write(ascii("head|"));
            ch.tearNextWrite(3);
            ByteBuffer record = ascii("record");

            assertThatThrownBy(() -> ch.write(record)).isInstanceOf(IOException.class).hasMessageContaining("torn");

            assertThat(record.position()).isEqualTo(3);
            assertThat(ch.position()).isEqualTo(8);
        }
        assertThat(content()).isEqualTo("head|rec");
    }

    @Test
    void shouldTearPositionalWriteAtItsPosition() throws IOException {
        Files.write(file, "0123456789".getBytes(US_ASCII));
        try (FaultInjectingFileChannel ch = FaultInjectingFileChannel.open(file, WRITE)) {
            ch.tearNextWrite(2);

            assertThatThrownBy(() -> ch.write(ascii("abcd"), 4)).isInstanceOf(IOException.class);

            assertThat(ch.position()).isZero();
        }
        assertThat(content()).isEqualTo("0123ab6789");
    }

    @Test
    void shouldTearGatheringWriteAcrossBuffers() throws IOException {
        try (FaultInjectingFileChannel ch = FaultInjectingFileChannel.open(file, CREATE, WRITE)) {
            ch.tearNextWrite(5);
            ByteBuffer[] parts = {ascii("abc"), ascii("defg"), ascii("hij")};

            assertThatThrownBy(() -> ch.write(parts, 0, 3)).isInstanceOf(IOException.class);

            assertThat(parts[0].remaining()).isZero();
            assertThat(parts[1].position()).isEqualTo(2);
            assertThat(parts[2].position()).isZero();
        }
        assertThat(content()).isEqualTo("abcde");
    }

    @Test
    void shouldWriteWholeBufferWhenTearIsLongerThanWrite() throws IOException {
        try (FaultInjectingFileChannel ch = FaultInjectingFileChannel.open(file, CREATE, WRITE)) {
            ch.tearNextWrite(100);

            assertThatThrownBy(() -> ch.write(ascii("short"))).isInstanceOf(IOException.class);
        }
        assertThat(content()).isEqualTo("short");
    }

    @Test
    void shouldTearTransferFrom() throws IOException {
        try (FaultInjectingFileChannel ch = FaultInjectingFileChannel.open(file, CREATE, WRITE)) {
            ch.tearNextWrite(4);
            var src = Channels.newChannel(new java.io.ByteArrayInputStream("abcdefgh".getBytes(US_ASCII)));

            assertThatThrownBy(() -> ch.transferFrom(src, 0, 8)).isInstanceOf(IOException.class);
        }
        assertThat(content()).isEqualTo("abcd");
    }

    @Test
    void shouldFailOnlyTheNextForce() throws IOException {
        try (FaultInjectingFileChannel ch = FaultInjectingFileChannel.open(file, CREATE, WRITE)) {
            ch.write(ascii("x"));
            ch.failNextForce();

            assertThatThrownBy(() -> ch.force(true)).isInstanceOf(IOException.class);
            ch.force(true);

            assertThat(ch.forceCount()).isEqualTo(1);
            assertThat(ch.faultsFired()).isEqualTo(1);
        }
    }

    @Test
    void shouldSilentlyDropForcesWhileDropping() throws IOException {
        try (FaultInjectingFileChannel ch = FaultInjectingFileChannel.open(file, CREATE, WRITE)) {
            ch.dropForces(true);
            ch.force(false);
            ch.force(true);
            ch.dropForces(false);
            ch.force(true);

            assertThat(ch.forcesDropped()).isEqualTo(2);
            assertThat(ch.forceCount()).isEqualTo(1);
        }
    }

    @Test
    void shouldDisarmPendingFaultsWhenHealed() throws IOException {
        try (FaultInjectingFileChannel ch = FaultInjectingFileChannel.open(file, CREATE, WRITE)) {
            ch.failNextWrite();
            ch.failNextForce();
            ch.dropForces(true);

            ch.heal();

            assertThat(ch.write(ascii("ok"))).isEqualTo(2);
            ch.force(true);
            assertThat(ch.forceCount()).isEqualTo(1);
            assertThat(ch.faultsFired()).isZero();
        }
    }

    @Test
    void shouldCloseDelegateWhenClosed() throws IOException {
        FileChannel real = FileChannel.open(file, CREATE, WRITE);
        FaultInjectingFileChannel ch = FaultInjectingFileChannel.wrap(real);

        ch.close();

        assertThat(real.isOpen()).isFalse();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void shouldLockThroughDelegateAndReportWrapperAsChannel() throws IOException {
        try (FaultInjectingFileChannel ch = FaultInjectingFileChannel.open(file, CREATE, READ, WRITE)) {
            FileLock lock = ch.tryLock();

            assertThat(lock).isNotNull();
            assertThat(lock.channel()).isSameAs(ch);
            assertThat(lock.isValid()).isTrue();
            lock.release();
            assertThat(lock.isValid()).isFalse();
        }
    }

    @Test
    void shouldRejectNegativeTearLength() throws IOException {
        try (FaultInjectingFileChannel ch = FaultInjectingFileChannel.open(file, CREATE, WRITE)) {
            assertThatThrownBy(() -> ch.tearNextWrite(-1)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
