package dev.sbx.cli.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sbx.cli.engine.Engines;
import dev.sbx.proxy.store.AtomicFiles;
import dev.sbx.vmm.engine.EngineAvailability.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a sandbox VM is, as the CLI writes it to {@code vm.json} before each start and sbx-vmm
 * reads it. Validated on construction, so a hand-edited or truncated file fails with one line.
 *
 * @param sandboxId the sandbox directory's name
 * @param name the sandbox's name: the proxy's scope for rules and secrets, and (see {@link #hostname()})
 *     the guest hostname
 * @param engine an engine id from {@link Engines}
 * @param workspaces virtio-fs shares, mounted in the guest at their host paths
 * @param environment session environment (proxy-managed placeholders, {@code -e} values)
 * @param publish {@code [ip:]hostPort:guestPort[/tcp]}; not acted on by the engine yet
 */
public record VmSpec(String sandboxId, String name, String engine, int cpus, long memoryBytes, long dataDiskBytes,
    List<WorkspaceMount> workspaces, Map<String, String> environment, List<String> publish) {

  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?");
  /** Largest vm.json accepted; a real one is a few KiB. */
  private static final long MAX_FILE = 1 << 20;
  static final long MIN_MEMORY = 256L << 20;
  static final long MIN_DATA_DISK = 1L << 30;

  /** A host folder shared with the guest at the same absolute path. */
  public record WorkspaceMount(String hostPath, boolean readOnly) {
    public WorkspaceMount {
      if (hostPath == null || !hostPath.startsWith("/") || hostPath.equals("/") || hostPath.contains("\n")
          || hostPath.contains("\0") || List.of(hostPath.split("/")).contains("..")) {
        throw new IllegalArgumentException("workspace '" + hostPath + "' must be an absolute folder path without '..'");
      }
    }
  }

  public VmSpec {
    if (sandboxId == null || !ID.matcher(sandboxId).matches() || sandboxId.contains("..")) {
      throw new IllegalArgumentException("bad sandbox id '" + sandboxId + "'");
    }
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("bad sandbox name '" + name + "' (1-63 letters, digits and inner '-' or '.')");
    }
    if (engine == null || Engines.byId(engine).filter(e -> e.availability().status() != Status.FOREIGN).isEmpty()) {
      throw new IllegalArgumentException("engine '" + engine + "' is not one sbx-vmm runs on this host");
    }
    if (cpus < 1 || cpus > 64) {
      throw new IllegalArgumentException("cpus " + cpus + " is out of range 1-64");
    }
    if (memoryBytes < MIN_MEMORY || memoryBytes % (1 << 20) != 0) {
      throw new IllegalArgumentException("memory must be whole MiB and at least 256 MiB");
    }
    if (dataDiskBytes < MIN_DATA_DISK || dataDiskBytes % (1 << 20) != 0) {
      throw new IllegalArgumentException("the data disk must be whole MiB and at least 1 GiB");
    }
    workspaces = workspaces == null ? List.of() : List.copyOf(workspaces);
    environment = environment == null ? Map.of() : Map.copyOf(environment);
    publish = publish == null ? List.of() : List.copyOf(publish);
    if (workspaces.size() > 16) {
      throw new IllegalArgumentException("at most 16 workspaces, not " + workspaces.size());
    }
  }

  /** The guest hostname: the name with dots as hyphens, since the guest takes a single label. */
  public String hostname() {
    return name.replace('.', '-');
  }

  public static VmSpec read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(file + " does not exist; the CLI writes it before starting the VM");
    }
    if (Files.size(file) > MAX_FILE) {
      throw new IOException(file + " is larger than 1 MiB; it is not a VM spec");
    }
    try {
      return JSON.readValue(file.toFile(), VmSpec.class);
    } catch (JsonProcessingException e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      String why = root instanceof IllegalArgumentException ? root.getMessage() : e.getOriginalMessage();
      throw new IOException(file + " is not a valid VM spec: " + why.lines().findFirst().orElse(""), e);
    }
  }

  /** Writes atomically (temp file, fsync, rename), private to the user. */
  public void write(Path file) throws IOException {
    AtomicFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this), true);
  }

  static VmSpec fromJson(String json) throws IOException {
    return JSON.readValue(json, VmSpec.class);
  }
}
