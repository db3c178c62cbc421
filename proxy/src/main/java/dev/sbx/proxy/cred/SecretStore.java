package dev.sbx.proxy.cred;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sbx.proxy.store.AtomicFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The file fallback secret store (sbx-cli.md §4.4): {@code secrets/secrets.json} under the
 * config dir, 0600 in a 0700 directory, written atomically. Keychain back ends are a later
 * step; this store is what the proxy reads.
 */
public final class SecretStore {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One stored secret; {@code sandbox} null = global. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Secret(
      @JsonProperty("sandbox") String sandbox,
      @JsonProperty("service") String service,
      @JsonProperty("value") String value,
      @JsonProperty("updated_at") String updatedAt) {

    public String scopeLabel() {
      return sandbox == null ? "(global)" : sandbox;
    }

    @Override
    public String toString() {
      return "Secret[" + scopeLabel() + " " + service + "]"; // never the value
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Document(@JsonProperty("version") int version, @JsonProperty("secrets") List<Secret> secrets) {
    Document {
      secrets = secrets == null ? List.of() : List.copyOf(secrets);
    }
  }

  private final Path dir;
  private final Path file;

  public SecretStore(Path configDir) {
    this.dir = configDir.resolve("secrets");
    this.file = dir.resolve("secrets.json");
  }

  public Path file() {
    return file;
  }

  public List<Secret> list() throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return List.of();
    }
    Document doc;
    try {
      doc = JSON.readValue(bytes, Document.class);
    } catch (IOException e) {
      // Jackson messages can quote input; the input holds secrets.
      throw new IOException(file + " is not a valid secret store; remove it and set the secrets again");
    }
    for (Secret s : doc.secrets()) {
      String problem = SecretValues.problem(s.value());
      if (problem != null) {
        throw new IOException("stored secret " + s.service() + " " + s.scopeLabel() + " is unusable: " + problem
            + "; set it again with 'sbx secret set " + s.service() + " -f'");
      }
    }
    return doc.secrets();
  }

  /** Stores a value; returns true if it replaced one. */
  public boolean set(String sandbox, String service, String value) throws IOException {
    String problem = SecretValues.problem(value);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    boolean[] replaced = {false};
    update(list -> {
      List<Secret> out = new ArrayList<>();
      for (Secret s : list) {
        if (Objects.equals(s.sandbox(), sandbox) && s.service().equals(service)) {
          replaced[0] = true;
        } else {
          out.add(s);
        }
      }
      out.add(new Secret(sandbox, service, value, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString()));
      return out;
    });
    return replaced[0];
  }

  /** Removes secrets of one scope: one service, or all when {@code service} is null. */
  public int remove(String sandbox, String service) throws IOException {
    int[] n = {0};
    update(list -> {
      List<Secret> out = new ArrayList<>();
      for (Secret s : list) {
        if (Objects.equals(s.sandbox(), sandbox) && (service == null || s.service().equals(service))) {
          n[0]++;
        } else {
          out.add(s);
        }
      }
      return out;
    });
    return n[0];
  }

  private void update(UnaryOperator<List<Secret>> change) throws IOException {
    AtomicFiles.createDirectories(dir, true);
    try (FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         FileLock ignored = ch.lock()) {
      List<Secret> next = change.apply(list());
      AtomicFiles.write(file, JSON.writeValueAsBytes(new Document(1, next)), true);
    }
  }
}
