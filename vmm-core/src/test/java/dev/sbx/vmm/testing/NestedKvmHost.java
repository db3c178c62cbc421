package dev.sbx.vmm.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real, hardware-virtualization {@code /dev/kvm} for tests on machines whose own {@code /dev/kvm}
 * cannot run a stock kernel: runs a command through {@code nested-kvm/run}, which boots Debian's
 * stock kernel ("L1") under {@code qemu-system-x86_64 -accel tcg -cpu max} (TCG emulates AMD SVM
 * with nested paging), loads {@code kvm_amd} there and runs the command chrooted into this
 * machine's root, mounted read-only over 9p (see {@code nested-kvm/README.md}). Inside, {@code
 * SBX_NESTED_KVM=1}, the working directory is this JVM's, {@code /tmp} is an empty tmpfs and only
 * the {@link Options#share shared} directories are writable on the host.
 *
 * <p>Tests skip with {@link #unavailableReason()}; each {@link #run} boots L1 once (10-30 s of
 * host wall time on 2 loaded cores before the command starts), so combine checks into few runs.
 */
public final class NestedKvmHost {
  /** At most this many bytes of the command's output are kept (the end of it). */
  public static final int OUTPUT_LIMIT = 4 << 20;
  /** Exit status of {@code nested-kvm/run} when {@link Options#timeout} expired. */
  public static final int TIMED_OUT = 124;
  /** The exit status {@link #run} reports when L1 printed nothing for {@link Options#stall}. */
  public static final int STALLED = 252;

  private static final String SCRIPT = "nested-kvm/run";
  /** Beyond the run's own timeout: a first-time kernel fetch (apt) and L1's power-off. */
  private static final Duration SLACK = Duration.ofMinutes(20);

  private NestedKvmHost() {}

  /**
   * @param exit the command's exit status ({@value #TIMED_OUT} when the timeout expired,
   *     {@value #STALLED} when L1 went quiet for longer than {@link Options#stall})
   * @param output its stdout and stderr, merged (L1's console), the last {@value #OUTPUT_LIMIT}
   *     bytes at most
   */
  public record Result(int exit, String output) {}

  /**
   * How L1 is sized and what it sees. {@code name} is QEMU's {@code -name} (unique per run by
   * default), so a test can look for the QEMU process with {@code pgrep -f}.
   */
  public record Options(int memoryMib, int cpus, Duration timeout, List<Path> shares,
      Map<String, String> env, String name, Duration stall) {
    public Options {
      shares = List.copyOf(shares);
      env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env));
    }

    /** 6 GiB, 2 vCPUs, 30 minutes, no shares, no extra environment. */
    public static Options defaults() {
      return new Options(6144, 2, Duration.ofMinutes(30), List.of(), Map.of(), null, null);
    }

    public Options memoryMib(int mib) {
      return new Options(mib, cpus, timeout, shares, env, name, stall);
    }

    public Options cpus(int n) {
      return new Options(memoryMib, n, timeout, shares, env, name, stall);
    }

    /** Whole run, L1's boot included; whole seconds, at least one. */
    public Options timeout(Duration t) {
      return new Options(memoryMib, cpus, t, shares, env, name, stall);
    }

    /** A host directory mounted read-write at the same absolute path inside L1. */
    public Options share(Path dir) {
      List<Path> s = new ArrayList<>(shares);
      s.add(dir);
      return new Options(memoryMib, cpus, timeout, s, env, name, stall);
    }

    /** An environment variable for the command (PATH and JAVA_HOME come from this process). */
    public Options env(String variable, String value) {
      Map<String, String> e = new LinkedHashMap<>(env);
      e.put(variable, value);
      return new Options(memoryMib, cpus, timeout, shares, e, name, stall);
    }

    /**
     * Stop L1 when the command prints nothing for this long, and return {@link #STALLED}: L1 under
     * QEMU 7.2's SVM emulation sometimes stops responding (soft lockups on every vCPU), and a
     * hung run should cost minutes, not the whole timeout.
     */
    public Options stall(Duration quiet) {
      return new Options(memoryMib, cpus, timeout, shares, env, name, quiet);
    }

    /** QEMU's {@code -name}: letters, digits, {@code . _ -}. */
    public Options name(String qemuName) {
      return new Options(memoryMib, cpus, timeout, shares, env, qemuName, stall);
    }
  }

  /**
   * Why a nested KVM host cannot run here, or empty if it can: it needs x86_64 Linux, root,
   * QEMU ({@code qemu-system-x86}), a static busybox ({@code busybox-static}), {@code cpio},
   * and apt the first time (to fetch Debian's kernel).
   */
  public static Optional<String> unavailableReason() {
    String need = "the nested KVM host (nested-kvm/run: Debian's kernel under QEMU TCG with "
        + "emulated AMD SVM) needs ";
    String os = System.getProperty("os.name", "");
    String arch = System.getProperty("os.arch", "");
    if (!os.equals("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      return Optional.of(need + "x86_64 Linux; this is " + os + "/" + arch);
    }
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      if (!Integer.valueOf(0).equals(uid)) {
        return Optional.of(need + "root (it shares / with QEMU's 9p); uid is " + uid);
      }
    } catch (IOException | RuntimeException e) {
      return Optional.of(need + "root; cannot tell the uid: " + e);
    }
    if (findScript().isEmpty()) {
      return Optional.of(need + "the repository's " + SCRIPT + " above " + System.getProperty("user.dir"));
    }
    if (onPath("qemu-system-x86_64").isEmpty()) {
      return Optional.of(need + "qemu-system-x86_64: apt-get install -y qemu-system-x86");
    }
    if (onPath("busybox").isEmpty()) {
      return Optional.of(need + "a static busybox: apt-get install -y busybox-static");
    }
    if (onPath("cpio").isEmpty()) {
      return Optional.of(need + "cpio: apt-get install -y cpio");
    }
    if (!kernelCached() && (onPath("apt-get").isEmpty() || onPath("dpkg-deb").isEmpty())) {
      return Optional.of(need + "apt-get and dpkg-deb (Debian) once, to fetch the kernel package");
    }
    return Optional.empty();
  }

  /** {@code nested-kvm/run}, found by walking up from {@code user.dir}. */
  public static Path script() throws IOException {
    return findScript().orElseThrow(() -> new IOException(
        "no " + SCRIPT + " in " + System.getProperty("user.dir") + " or above it"));
  }

  /** Runs {@code command} in L1 with {@link Options#defaults()}. */
  public static Result run(String... command) throws IOException, InterruptedException {
    return run(Options.defaults(), List.of(command));
  }

  public static Result run(Options options, String... command) throws IOException, InterruptedException {
    return run(options, List.of(command));
  }

  /**
   * Boots L1, runs {@code command} there and returns its exit status and output; the output is
   * also copied to {@link System#out} as it comes. Throws when L1 could not be set up (the
   * script's reason in the message), or when the script outlives the timeout by {@link #SLACK}.
   */
  public static Result run(Options options, List<String> command) throws IOException, InterruptedException {
    Objects.requireNonNull(options, "options");
    if (command.isEmpty()) {
      throw new IllegalArgumentException("no command");
    }
    long seconds = Math.max(1, (options.timeout().toMillis() + 999) / 1000);
    List<String> cmd = new ArrayList<>(List.of(script().toString(),
        "--memory", Integer.toString(options.memoryMib()),
        "--cpus", Integer.toString(options.cpus()),
        "--timeout", Long.toString(seconds)));
    // The checkout, read-write: tests run in it, write into its target folders, and load classes
    // from sibling modules' target folders; one under /tmp would otherwise be hidden by L1's tmpfs.
    List<Path> shares = new ArrayList<>(options.shares());
    Path checkout = script().toAbsolutePath().getParent().getParent();
    if (!shares.contains(checkout)) {
      shares.add(checkout);
    }
    for (Path s : shares) {
      cmd.add("--share");
      cmd.add(s.toAbsolutePath().toString());
    }
    for (Map.Entry<String, String> e : options.env().entrySet()) {
      cmd.add("--env");
      cmd.add(e.getKey() + "=" + e.getValue());
    }
    if (options.name() != null) {
      cmd.add("--name");
      cmd.add(options.name());
    }
    cmd.add("--");
    cmd.addAll(command);

    Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .start();
    Tail out = new Tail(OUTPUT_LIMIT);
    Tail err = new Tail(64 << 10);
    Thread outPump = pump(p.getInputStream(), out, System.out, "nested-kvm-stdout");
    Thread errPump = pump(p.getErrorStream(), err, System.err, "nested-kvm-stderr");
    boolean done = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds + SLACK.toSeconds());
    try {
      while (!done && System.nanoTime() < deadline) {
        done = p.waitFor(5, TimeUnit.SECONDS);
        if (!done && options.stall() != null && out.quietNanos() > options.stall().toNanos()
            && err.quietNanos() > options.stall().toNanos()) {
          stop(p);
          outPump.join(10_000);
          return new Result(STALLED, out.text() + "\n[nested-kvm: no output for " + options.stall().toSeconds()
              + " s; L1 stopped]\n");
        }
      }
    } catch (InterruptedException e) {
      stop(p);
      throw e;
    }
    if (!done) {
      stop(p);
      throw new IOException(SCRIPT + " did not end " + SLACK.toMinutes() + " min after its "
          + seconds + " s timeout; its stderr:\n" + err.text());
    }
    outPump.join(10_000);
    errPump.join(10_000);
    int exit = p.exitValue();
    String errors = err.text();
    if (exit == 125 && errors.contains("nested-kvm: error:")) {
      throw new IOException(SCRIPT + " could not set up L1: "
          + errors.substring(errors.indexOf("nested-kvm: error:")).strip());
    }
    return new Result(exit, out.text());
  }

  /** SIGTERM first: the script then stops QEMU; then SIGKILL. */
  private static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Thread pump(InputStream in, Tail keep, PrintStream echo, String name) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[8192];
      try (in) {
        int n;
        while ((n = in.read(buf)) > 0) {
          keep.add(buf, n);
          echo.write(buf, 0, n);
          echo.flush();
        }
      } catch (IOException ignored) {
        // The script went away.
      }
    }, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** The last {@code limit} bytes written to it. */
  private static final class Tail {
    private final int limit;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private boolean cut;
    private volatile long lastNanos = System.nanoTime();

    Tail(int limit) {
      this.limit = limit;
    }

    long quietNanos() {
      return System.nanoTime() - lastNanos;
    }

    synchronized void add(byte[] b, int n) {
      lastNanos = System.nanoTime();
      bytes.write(b, 0, n);
      if (bytes.size() > 2 * limit) {
        byte[] all = bytes.toByteArray();
        bytes.reset();
        bytes.write(all, all.length - limit, limit);
        cut = true;
      }
    }

    synchronized String text() {
      byte[] all = bytes.toByteArray();
      int from = Math.max(0, all.length - limit);
      String s = new String(all, from, all.length - from, StandardCharsets.UTF_8);
      return cut || from > 0 ? "[... output cut to its last " + limit + " bytes ...]\n" + s : s;
    }
  }

  private static Optional<Path> findScript() {
    for (Path d = Path.of(System.getProperty("user.dir")).toAbsolutePath(); d != null; d = d.getParent()) {
      Path s = d.resolve(SCRIPT);
      if (Files.isExecutable(s)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  private static Optional<Path> onPath(String program) {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/bin:/bin" : path).split(":")) {
      if (!dir.isEmpty()) {
        Path p = Path.of(dir, program);
        if (Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  private static boolean kernelCached() {
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path cache = (xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
        .resolve("sbx").resolve("nested-kvm");
    try (var s = Files.list(cache)) {
      return s.anyMatch(d -> Files.exists(d.resolve("complete")));
    } catch (IOException e) {
      return false;
    }
  }
}
