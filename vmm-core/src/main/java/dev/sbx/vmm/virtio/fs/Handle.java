package dev.sbx.vmm.virtio.fs;

import dev.sbx.vmm.os.linux.LinuxFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;

/** An open file or directory the guest holds by {@code fh}. */
abstract sealed class Handle permits Handle.File, Handle.Dir {
  final long id;
  final Node node;

  Handle(long id, Node node) {
    this.id = id;
    this.node = node;
  }

  abstract void close();

  /**
   * A regular file: {@code fd} for fallocate/lseek/ftruncate and a channel on the same inode for
   * zero-copy transfers with guest memory.
   */
  static final class File extends Handle {
    final int fd;
    final FileChannel channel;
    final boolean readable;
    final boolean writable;

    File(long id, Node node, int fd, FileChannel channel, boolean readable, boolean writable) {
      super(id, node);
      this.fd = fd;
      this.channel = channel;
      this.readable = readable;
      this.writable = writable;
    }

    @Override
    void close() {
      try {
        channel.close();
      } catch (IOException e) {
        // The descriptor is released either way.
      }
      LinuxFiles.closeQuietly(fd);
    }
  }

  /** A directory stream: {@code fd} is a real (not O_PATH) descriptor for getdents64. */
  static final class Dir extends Handle {
    final int fd;

    Dir(long id, Node node, int fd) {
      super(id, node);
      this.fd = fd;
    }

    @Override
    void close() {
      LinuxFiles.closeQuietly(fd);
    }
  }
}
