package dev.sbx.proxy.policy;

import com.fasterxml.jackson.databind.DeserializationFeature;
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
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * {@code policy.json} under the config dir. Every change is a read-modify-write under a file
 * lock, written atomically, so concurrent CLI calls never lose rules and a running proxy never
 * reads half a file.
 */
public final class PolicyStore {
  static final ObjectMapper JSON = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path file;

  public PolicyStore(Path configDir) {
    this.file = configDir.resolve("policy.json");
  }

  public Path file() {
    return file;
  }

  /** The stored policy, or an empty one (no preset) if none was written yet. */
  public PolicyDocument load() throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return PolicyDocument.empty();
    }
    try {
      PolicyDocument doc = JSON.readValue(bytes, PolicyDocument.class);
      for (Rule r : doc.rules()) {
        if (r.id() == null || r.decision() == null || r.resource() == null) {
          throw new IOException("rule without id, decision or resource");
        }
        r.target();
      }
      return doc;
    } catch (IOException | InvalidTargetException | RuntimeException e) {
      throw new IOException(file + " is not a valid policy file (" + e.getMessage()
          + "); fix it or run 'sbx policy reset'", e);
    }
  }

  /** Applies {@code change} to the current document under the lock and writes the result. */
  public PolicyDocument update(UnaryOperator<PolicyDocument> change) throws IOException {
    AtomicFiles.createDirectories(file.getParent(), true);
    Path lock = file.resolveSibling(".policy.lock");
    try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         FileLock ignored = ch.lock()) {
      PolicyDocument next = change.apply(load());
      AtomicFiles.write(file, JSON.writeValueAsBytes(next), false);
      return next;
    }
  }

  /** Sets the preset and installs its rules as ordinary global rules. */
  public PolicyDocument init(Preset preset) throws IOException {
    return update(doc -> {
      if (doc.preset() != null) {
        throw new IllegalStateException("policy already initialised with preset '" + doc.preset()
            + "'; run 'sbx policy reset' to start over");
      }
      List<Rule> rules = new ArrayList<>(doc.rules());
      String now = now();
      for (Preset.Entry e : preset.entries()) {
        rules.add(new Rule(newId(), null, Rule.Decision.ALLOW, e.rule(), "preset:" + preset.id(), now));
      }
      return new PolicyDocument(PolicyDocument.VERSION, preset.id(), rules);
    });
  }

  /** Adds one rule per target; returns the new rules. */
  public List<Rule> add(String sandbox, Rule.Decision decision, List<RuleTarget> targets) throws IOException {
    List<Rule> added = new ArrayList<>();
    update(doc -> {
      List<Rule> rules = new ArrayList<>(doc.rules());
      String now = now();
      for (RuleTarget t : targets) {
        Rule r = new Rule(newId(), sandbox, decision, t.canonical(), Rule.ORIGIN_USER, now);
        rules.add(r);
        added.add(r);
      }
      return new PolicyDocument(PolicyDocument.VERSION, doc.preset(), rules);
    });
    return added;
  }

  /** Removes the given rules (matched by id); returns how many were removed. */
  public int remove(List<Rule> toRemove) throws IOException {
    int[] removed = {0};
    update(doc -> {
      List<Rule> rules = new ArrayList<>();
      for (Rule r : doc.rules()) {
        if (toRemove.stream().anyMatch(x -> x.id().equals(r.id()))) {
          removed[0]++;
        } else {
          rules.add(r);
        }
      }
      return new PolicyDocument(PolicyDocument.VERSION, doc.preset(), rules);
    });
    return removed[0];
  }

  /** Deletes every rule and the preset. */
  public void reset() throws IOException {
    update(doc -> PolicyDocument.empty());
  }

  static String newId() {
    return UUID.randomUUID().toString();
  }

  static String now() {
    return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
  }
}
