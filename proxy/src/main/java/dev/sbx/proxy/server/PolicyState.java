package dev.sbx.proxy.server;

import dev.sbx.proxy.cred.Credentials;
import dev.sbx.proxy.cred.SecretStore;
import dev.sbx.proxy.cred.Service;
import dev.sbx.proxy.cred.UserServices;
import dev.sbx.proxy.net.AddressClassifier;
import dev.sbx.proxy.policy.CompiledPolicy;
import dev.sbx.proxy.policy.PolicyStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live policy, credentials and address classifier, swapped as one immutable snapshot
 * (L23). A file that cannot be read keeps the last good snapshot; at start it means deny all.
 */
final class PolicyState {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyState.class);

  record Snapshot(CompiledPolicy policy, Credentials credentials, AddressClassifier classifier) {}

  private final String sandbox;
  private final Path configDir;
  private final PolicyStore policyStore;
  private final SecretStore secretStore;
  private final AtomicReference<Snapshot> current;
  private String stamp = "";

  PolicyState(String sandbox, Path configDir) {
    this.sandbox = sandbox;
    this.configDir = configDir;
    this.policyStore = new PolicyStore(configDir);
    this.secretStore = new SecretStore(configDir);
    this.current = new AtomicReference<>(
        new Snapshot(CompiledPolicy.denyAll(), Credentials.none(), AddressClassifier.forThisHost()));
  }

  Snapshot get() {
    return current.get();
  }

  /** Reloads if any input file changed; returns true when a new snapshot was installed. */
  synchronized boolean reloadIfChanged() {
    String now = stamp(policyStore.file()) + "|" + stamp(secretStore.file()) + "|" + stamp(configDir.resolve("services.json"));
    if (now.equals(stamp)) {
      return false;
    }
    Snapshot old = current.get();
    CompiledPolicy policy = old.policy();
    Credentials creds = old.credentials();
    boolean ok = true;
    try {
      policy = CompiledPolicy.compile(policyStore.load(), sandbox);
    } catch (IOException e) {
      ok = false;
      LOG.error("keeping the last good policy: {}", e.getMessage());
    }
    try {
      List<Service> services = UserServices.load(configDir);
      creds = Credentials.of(services, secretStore.list(), sandbox);
    } catch (IOException e) {
      ok = false;
      LOG.error("keeping the last good credentials: {}", e.getMessage());
    }
    current.set(new Snapshot(policy, creds, AddressClassifier.forThisHost()));
    if (ok) {
      stamp = now;
    }
    return true;
  }

  private static String stamp(Path p) {
    try {
      return Files.exists(p) ? Files.getLastModifiedTime(p).toMillis() + ":" + Files.size(p) + ":"
          + Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class).fileKey() : "-";
    } catch (IOException e) {
      return "?";
    }
  }
}
