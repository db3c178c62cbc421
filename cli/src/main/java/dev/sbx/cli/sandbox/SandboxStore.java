package dev.sbx.cli.sandbox;

import dev.sbx.cli.session.SshKeys;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sbx.cli.SbxPaths;
import dev.sbx.cli.UserException;
import dev.sbx.image.FileTrees;
import dev.sbx.proxy.store.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox store (design §6): one directory per sandbox under {@code <data>/sandboxes/<id>/}
 * holding {@code sandbox.json}, written atomically. Creation takes a store-wide lock so two CLIs
 * cannot claim one name; changes to one sandbox take that sandbox's lock.
 */
public final class SandboxStore {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxStore.class);
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  public static final String RECORD = "sandbox.json";

  private final Path root;

  public SandboxStore(Path root) {
    this.root = root;
  }

  public static SandboxStore of(SbxPaths paths) {
    return new SandboxStore(paths.data().resolve("sandboxes"));
  }

  public Path root() {
    return root;
  }

  public Path dir(String id) {
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException("not a sandbox id: " + id);
    }
    return root.resolve(id);
  }

  /** Every readable record, sorted by name; an unreadable one is logged and skipped. */
  public List<SandboxRecord> list() {
    List<SandboxRecord> out = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
      for (Path d : dirs) {
        String id = d.getFileName().toString();
        if (!ID.matcher(id).matches()) {
          continue;
        }
        try {
          read(id).ifPresent(out::add);
        } catch (IOException e) {
          LOG.warn("skipping unreadable sandbox record {}: {}", d.resolve(RECORD), e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(Comparator.comparing(r -> r.name().toLowerCase(Locale.ROOT)));
    return out;
  }

  public Optional<SandboxRecord> read(String id) throws IOException {
    try {
      SandboxRecord r = JSON.readValue(Files.readAllBytes(dir(id).resolve(RECORD)), SandboxRecord.class);
      if (!id.equals(r.id())) {
        throw new IOException("record id " + r.id() + " does not match its directory");
      }
      return Optional.of(r);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  /** By name (case-insensitive), id, or unique id prefix of at least 8 characters. */
  public Optional<SandboxRecord> find(String ref) {
    List<SandboxRecord> all = list();
    for (SandboxRecord r : all) {
      if (r.name().equalsIgnoreCase(ref) || r.id().equals(ref)) {
        return Optional.of(r);
      }
    }
    if (ref.length() >= 8) {
      List<SandboxRecord> byPrefix = all.stream().filter(r -> r.id().startsWith(ref.toLowerCase(Locale.ROOT))).toList();
      if (byPrefix.size() == 1) {
        return Optional.of(byPrefix.get(0));
      }
    }
    return Optional.empty();
  }

  /** Like {@link #find} but an unknown sandbox is an error naming the fix. */
  public SandboxRecord get(String ref) {
    return find(ref).orElseThrow(() -> new UserException("no sandbox named '" + ref + "'; see 'sbx ls'"));
  }

  public static String newId() {
    return UUID.randomUUID().toString();
  }

  /**
   * Stores a new sandbox: claims the name, makes its directory and SSH keys, writes the record.
   * On failure nothing is left behind.
   */
  public SandboxRecord create(SandboxRecord record) throws IOException {
    AtomicFiles.createDirectories(root, true);
    try (FileChannel ch = FileChannel.open(root.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         FileLock ignored = ch.lock()) {
      Optional<SandboxRecord> taken = list().stream().filter(r -> r.name().equalsIgnoreCase(record.name())).findFirst();
      if (taken.isPresent()) {
        throw new UserException("the name '" + record.name() + "' is taken by another sandbox; choose another with --name");
      }
      Path dir = dir(record.id());
      Files.createDirectory(dir);
      try {
        SshKeys.in(dir).generate(record.name());
        save(record);
      } catch (IOException | RuntimeException e) {
        FileTrees.delete(dir);
        throw e;
      }
      return record;
    }
  }

  public void save(SandboxRecord record) throws IOException {
    AtomicFiles.write(dir(record.id()).resolve(RECORD), JSON.writeValueAsBytes(record), true);
  }

  /** Deletes the sandbox directory and everything in it. */
  public void delete(String id) throws IOException {
    FileTrees.delete(dir(id));
  }

  /** Exclusive lock on one sandbox, held while its state changes (start, stop, rm). */
  public SandboxLock lock(String id) throws IOException {
    return SandboxLock.exclusive(dir(id).resolve(".lock"));
  }
}
