package dev.sbx.image;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes the config disk: a plain tar archive used as a read-only raw block device (the third
 * virtio-blk device). Guest init extracts it with {@code tar -x -f /dev/vdc}. A tar needs no file
 * system code on the host and no mount in the guest. File names are fixed (docs/guest.md).
 */
public final class ConfigDisk {

  static final String CA = "ca.crt";
  static final String HOST_KEY = "ssh_host_ed25519_key";
  static final String AUTHORIZED_KEYS = "authorized_keys";
  static final String WORKSPACES = "workspaces";
  static final String ENVIRONMENT = "environment";
  static final String TEST_HOOK = "test-hook";
  /** Block devices come in sectors; pad to a whole 64 KiB. */
  private static final int ALIGN = 64 * 1024;

  private ConfigDisk() {}

  /** Writes {@code config} to {@code target} atomically (temp file, fsync, rename). */
  public static void write(GuestConfig config, Path target) throws IOException {
    Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName(), ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        OutputStream raw = Channels.newOutputStream(ch);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(raw, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_ERROR);
        for (Map.Entry<String, Entry> e : entries(config).entrySet()) {
          byte[] data = e.getValue().content().getBytes(StandardCharsets.UTF_8);
          TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
          entry.setSize(data.length);
          entry.setMode(e.getValue().mode());
          entry.setModTime(0);
          tar.putArchiveEntry(entry);
          tar.write(data);
          tar.closeArchiveEntry();
        }
        tar.finish();
        raw.flush();
        long size = ch.size();
        long padded = (size + ALIGN - 1) / ALIGN * ALIGN;
        if (padded > size) {
          ch.write(java.nio.ByteBuffer.allocate((int) (padded - size)), size);
        }
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private record Entry(String content, int mode) {}

  private static Map<String, Entry> entries(GuestConfig config) {
    Map<String, Entry> files = new TreeMap<>();
    if (!config.hostKey().isEmpty()) {
      files.put(HOST_KEY, new Entry(config.hostKey(), 0600));
    }
    if (!config.authorizedKeys().isEmpty()) {
      files.put(AUTHORIZED_KEYS, new Entry(config.authorizedKeys(), 0644));
    }
    if (!config.proxyCa().isEmpty()) {
      files.put(CA, new Entry(config.proxyCa(), 0644));
    }
    StringBuilder ws = new StringBuilder();
    for (GuestConfig.Workspace w : config.workspaces()) {
      ws.append(w.tag()).append(' ').append(w.readOnly() ? "ro" : "rw").append(' ')
          .append(w.path()).append('\n');
    }
    files.put(WORKSPACES, new Entry(ws.toString(), 0644));
    StringBuilder env = new StringBuilder();
    new TreeMap<>(config.environment()).forEach((k, v) -> env.append(k).append('=').append(v).append('\n'));
    files.put(ENVIRONMENT, new Entry(env.toString(), 0644));
    config.testHook().ifPresent(script -> files.put(TEST_HOOK, new Entry(script, 0755)));
    return files;
  }
}
