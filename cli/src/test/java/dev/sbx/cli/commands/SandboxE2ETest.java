package dev.sbx.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.sbx.cli.SbxProcess;
import dev.sbx.image.FileTrees;
import dev.sbx.proxy.tls.ProxyCa;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real {@code sbx} commands on the tcg engine (or the engine named by the system property
 * {@code sbx.test.engine}: the nested KVM tier runs this class on {@code kvm}) with the real guest image (built by
 * {@code ./sbx image build}; run-tests does it first). One sandbox boot is shared by most checks
 * (each boot costs 15-80 s under TCG); the isolation check boots a second one.
 */
@Tag("e2e")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxE2ETest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final long TIMEOUT_S = 600;
  static final String ENGINE = System.getProperty("sbx.test.engine", "tcg");

  static Path home;
  static Path ws;
  static SbxProcess sbx;
  static HttpServer allowed;
  static HttpServer denied;

  record Ran(int exit, String out, String err) {}

  @BeforeAll
  static void setUp() throws Exception {
    // Short: sockets live under the sandbox directory and Unix socket paths end at 107 bytes.
    home = Files.createTempDirectory(Path.of("/tmp"), "sx");
    ws = Files.createDirectories(Files.createTempDirectory("sbx-e2e-ws").resolve("proj"));
    // The image of the developer's cache (run-tests builds it there), not a new build per run.
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path userImages = (xdg != null && Path.of(xdg).isAbsolute() ? Path.of(xdg)
        : Path.of(System.getProperty("user.home"), ".cache")).resolve("sbx/images");
    Files.createDirectories(home.resolve("cache"));
    Files.createSymbolicLink(home.resolve("cache/images"), userImages);
    upstreamCa = ProxyCa.create("sbx e2e upstream CA", home.resolve("upstream-ca.pem"));
    Files.writeString(home.resolve("upstream-ca.pem"), upstreamCa.certificatePem());
    credentialUpstream = httpsServer(upstreamCa.mintLeaf("api.anthropic.com"));
    // The fake api.anthropic.com is this host's HTTPS server, trusted through the test CA.
    sbx = new SbxProcess(home, Map.of("SBX_ENGINE", ENGINE, "SBX_SANDBOX_IDLE_STOP", "0",
        "SBX_PROXY_RESOLVE", "api.anthropic.com:443=127.0.0.1:" + credentialUpstream.getAddress().getPort(),
        "SBX_PROXY_UPSTREAM_CA", home.resolve("upstream-ca.pem").toString()));
    allowed = server("hello from the allowed upstream");
    denied = server("this must not be reached");
    assertEquals(0, run("policy", "init", "deny-all").exit());
    assertEquals(0, run("policy", "allow", "network", "localhost:" + allowed.getAddress().getPort()
        + ",api.anthropic.com").exit());
  }

  static ProxyCa upstreamCa;
  static HttpsServer credentialUpstream;
  static final List<String> seenKeys = new java.util.concurrent.CopyOnWriteArrayList<>();

  static HttpsServer httpsServer(ProxyCa.Leaf leaf) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("leaf", leaf.key(), new char[0], new Certificate[] {leaf.certificate(), leaf.issuer()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    HttpsServer s = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    s.setHttpsConfigurator(new HttpsConfigurator(tls));
    s.createContext("/", ex -> {
      seenKeys.add(String.valueOf(ex.getRequestHeaders().getFirst("x-api-key")));
      byte[] b = "upstream ok".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    s.start();
    return s;
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (sbx != null) {
      run("rm", "-f", "--all");
    }
    if (allowed != null) {
      allowed.stop(0);
      denied.stop(0);
      credentialUpstream.stop(0);
    }
    if (home != null) {
      FileTrees.delete(home);
      FileTrees.delete(ws.getParent());
    }
  }

  static HttpServer server(String body) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
    s.createContext("/", ex -> {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    });
    s.start();
    return s;
  }

  static Ran run(String... args) throws Exception {
    return runIn(null, args);
  }

  static Ran runIn(Path dir, String... args) throws Exception {
    ProcessBuilder pb = sbx.builder(args).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    Process p = pb.start();
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("sbx " + String.join(" ", args) + " did not finish");
    }
    return new Ran(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err.get(), StandardCharsets.UTF_8));
  }

  static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }

  static Ran exec(String... cmd) throws Exception {
    List<String> args = new ArrayList<>(List.of("exec", "shell-proj"));
    args.addAll(List.of(cmd));
    return run(args.toArray(String[]::new));
  }

  @Test
  @Order(1)
  void runShellWritesAFileTheHostSeesAsItsOwn() throws Exception {
    Ran r = runIn(ws, "run", "shell", ".", "--", "-c", "echo made in the guest > from-guest.txt; stat -c %U from-guest.txt");
    assertEquals(0, r.exit(), r.err());
    assertEquals("agent\n", r.out(), "the guest sees the file as agent's");
    Path f = ws.resolve("from-guest.txt");
    assertEquals("made in the guest\n", Files.readString(f));
    assertEquals(System.getProperty("user.name"), Files.getOwner(f).getName(), "the host sees it as the user's");
    JsonNode ls = JSON.readTree(run("ls", "--json").out()).get("sandboxes").get(0);
    assertEquals("running", ls.get("status").asText());
    assertEquals(ENGINE, ls.get("engine").asText().equals("auto") ? ENGINE : ls.get("engine").asText());
  }

  @Test
  @Order(2)
  void execStatusesPropagate() throws Exception {
    assertEquals(42, exec("sh", "-c", "exit 42").exit());
    assertEquals(127, exec("no-such-command").exit());
    assertEquals(125, run("exec", "-w", "/no/such/dir", "shell-proj", "true").exit());
    Ran streams = exec("sh", "-c", "echo out; echo err >&2");
    assertEquals(new Ran(0, "out\n", "err\n"), streams);
    assertEquals("root\n", run("exec", "-u", "root", "shell-proj", "id", "-un").out());
  }

  @Test
  @Order(2)
  void aTerminalSessionGetsAPtyAndItsStatus() throws Exception {
    // script(1) gives sbx a terminal, as a user's shell would.
    ProcessBuilder inner = sbx.builder("exec", "-it", "shell-proj", "sh", "-c",
        "tty; echo \"term=$TERM\"; stty size; exit 3");
    StringBuilder line = new StringBuilder();
    for (String a : inner.command()) {
      line.append(dev.sbx.cli.session.RemoteCommand.quote(a)).append(' ');
    }
    ProcessBuilder pb = new ProcessBuilder("script", "-qec", line.toString(), "/dev/null");
    pb.environment().putAll(inner.environment());
    pb.environment().put("TERM", "xterm-test");
    pb.redirectErrorStream(true);
    Process p = pb.start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(TIMEOUT_S, TimeUnit.SECONDS));
    assertEquals(3, p.exitValue(), out);
    assertTrue(out.contains("/dev/pts/"), out);
    assertTrue(out.contains("term=xterm-test"), out);
  }

  @Test
  @Order(3)
  void egressGoesThroughThePolicy() throws Exception {
    int ok = allowed.getAddress().getPort();
    int no = denied.getAddress().getPort();
    // NO_PROXY lists localhost for the guest's own services; these requests must take the proxy.
    Ran yes = exec("curl", "-sS", "--noproxy", "", "-m", "60", "http://localhost:" + ok + "/");
    assertEquals("hello from the allowed upstream", yes.out(), yes.err());
    Ran blocked = exec("curl", "-sS", "--noproxy", "", "-m", "60", "http://localhost:" + no + "/");
    assertTrue(blocked.out().startsWith("Blocked by network policy: localhost:" + no), blocked.out() + blocked.err());
  }

  @Test
  @Order(4)
  void aCredentialReachesTheUpstreamOnlyThroughTheProxy() throws Exception {
    String key = "sk-ant-e2e-0123456789abcdef";
    SbxProcess.Result set = sbx.input(key + "\n", "secret", "set", "anthropic", "--sandbox", "shell-proj");
    assertEquals(0, set.exit(), set.err());
    // New sessions carry the placeholder; the proxy picks the secret up within 5 s.
    Ran env = exec("sh", "-c", "printf %s \"$ANTHROPIC_API_KEY\"");
    assertEquals("proxy-managed", env.out());
    String curl = "curl -sS -m 60 -H \"x-api-key: $ANTHROPIC_API_KEY\" https://api.anthropic.com/v1/messages";
    Ran r = null;
    for (int i = 0; i < 20 && (r == null || seenKeys.stream().noneMatch(key::equals)); i++) {
      r = exec("sh", "-c", curl);
      if (seenKeys.stream().noneMatch(key::equals)) {
        Thread.sleep(1000);
      }
    }
    assertEquals("upstream ok", r.out(), r.err());
    assertTrue(seenKeys.contains(key), "the upstream received the real key: " + seenKeys);
    Ran grep = exec("sh", "-c", "grep -rs " + key + " /home/agent /etc /run /tmp; env | grep -c " + key + "; true");
    assertEquals("0\n", grep.out(), "the value is nowhere in the guest");
  }

  @Test
  @Order(5)
  void cpBothWays() throws Exception {
    Path in = Files.writeString(ws.getParent().resolve("to-guest.txt"), "from the host\n");
    assertEquals(0, run("cp", in.toString(), "shell-proj:/home/agent/").exit());
    assertEquals("from the host\n", exec("cat", "/home/agent/to-guest.txt").out());
    exec("sh", "-c", "mkdir -p /home/agent/out/sub && echo deep > /home/agent/out/sub/f");
    Path dest = Files.createDirectories(ws.getParent().resolve("copied"));
    Ran cp = run("cp", "shell-proj:/home/agent/out", dest.toString());
    assertEquals(0, cp.exit(), cp.err());
    assertEquals("deep\n", Files.readString(dest.resolve("out/sub/f")));
  }

  @Test
  @Order(6)
  void aPublishedPortAnswersOnTheHost() throws Exception {
    Files.writeString(ws.resolve("index.html"), "served from the sandbox\n");
    assertEquals(0, exec("sh", "-c", "cd " + ws + " && setsid -f python3 -m http.server 8000 --bind 127.0.0.1 "
        + "</dev/null >/dev/null 2>&1").exit());
    Ran pub = run("ports", "shell-proj", "--publish", "8000");
    assertEquals(0, pub.exit(), pub.err());
    assertTrue(pub.out().matches("127\\.0\\.0\\.1:\\d+->8000/tcp4\n"), pub.out());
    int port = Integer.parseInt(pub.out().replaceAll(".*:(\\d+)->.*\n", "$1"));
    String body = null;
    // The server starts in the guest on its own time; retry a bounded number of connections.
    for (int i = 0; i < 120 && body == null; i++) {
      body = fetch(port);
      if (body == null) {
        Thread.sleep(500);
      }
    }
    assertEquals("served from the sandbox\n", body == null ? null : body.substring(body.indexOf("\r\n\r\n") + 4));
    JsonNode ports = JSON.readTree(run("ports", "shell-proj", "--json").out()).get("ports");
    assertEquals(port, ports.get(0).get("host_port").asInt());
  }

  static String fetch(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.getOutputStream().write("GET /index.html HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      String r = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return r.startsWith("HTTP/1.0 200") ? r : null;
    } catch (IOException e) {
      return null;
    }
  }

  @Test
  @Order(7)
  void dockerBuildAndRunFromScratch() throws Exception {
    Ran r = exec("sh", "-c", "set -e; mkdir -p /home/agent/img && cd /home/agent/img"
        + " && printf '#include <stdio.h>\\nint main(void){puts(\"hello from scratch\");return 0;}\\n' > h.c"
        + " && gcc -static -O2 -o hello h.c"
        + " && printf 'FROM scratch\\nCOPY hello /hello\\nCMD [\"/hello\"]\\n' > Dockerfile"
        + " && docker build -q -t sbx-e2e-hello . >/dev/null && docker run --rm sbx-e2e-hello");
    assertEquals(new Ran(0, "hello from scratch\n", ""), new Ran(r.exit(), r.out(), r.exit() == 0 ? "" : r.err()));
  }

  @Test
  @Order(8)
  void stopThenRunKeepsHomeAgent() throws Exception {
    assertEquals(0, exec("sh", "-c", "echo kept > /home/agent/kept.txt").exit());
    Ran stop = run("stop", "shell-proj");
    assertEquals(0, stop.exit(), stop.err());
    assertEquals("stopped", JSON.readTree(run("ls", "--json").out()).get("sandboxes").get(0).get("status").asText());
    Ran again = runIn(ws, "run", "shell", ".", "--", "-c", "cat /home/agent/kept.txt");
    assertEquals(new Ran(0, "kept\n", again.err()), again);
  }

  @Test
  @Order(9)
  void twoSandboxesDoNotShareAProxyPath() throws Exception {
    Path other = Files.createDirectories(ws.getParent().resolve("other"));
    int ok = allowed.getAddress().getPort();
    int no = denied.getAddress().getPort();
    // A rule scoped to the first sandbox opens nothing for the second.
    assertEquals(0, run("policy", "allow", "network", "--sandbox", "shell-proj", "localhost:" + no).exit());
    assertTrue(exec("curl", "-sS", "--noproxy", "", "-m", "60", "http://localhost:" + no + "/").out()
        .startsWith("this must not be reached"));
    Ran second = runIn(other, "run", "shell", ".", "--", "-c", "curl -sS --noproxy '' -m 60 http://localhost:" + no
        + "/; echo; curl -sS --noproxy '' -m 60 http://localhost:" + ok + "/");
    assertEquals(0, second.exit(), second.err());
    assertTrue(second.out().startsWith("Blocked by network policy: localhost:" + no), second.out());
    assertTrue(second.out().endsWith("hello from the allowed upstream"), second.out());
    // Each proxy logs only its own sandbox's traffic.
    JsonNode ls = JSON.readTree(run("ls", "--json").out()).get("sandboxes");
    for (JsonNode s : ls) {
      String log = Files.readString(home.resolve("data/sandboxes").resolve(s.get("id").asText()).resolve("proxy.log"));
      for (String line : log.split("\n")) {
        if (!line.isBlank()) {
          assertEquals(s.get("name").asText(), JSON.readTree(line).get("sandbox").asText());
        }
      }
    }
  }

  @Test
  @Order(10)
  void rmLeavesNothingBehind() throws Exception {
    JsonNode ls = JSON.readTree(run("ls", "--json").out()).get("sandboxes");
    List<Long> pids = new ArrayList<>();
    for (JsonNode s : ls) {
      Path pid = home.resolve("data/sandboxes").resolve(s.get("id").asText()).resolve("vmm.pid");
      if (Files.exists(pid)) {
        pids.add(Long.parseLong(Files.readString(pid).strip()));
      }
    }
    Ran rm = run("rm", "-f", "--all");
    assertEquals(0, rm.exit(), rm.err());
    try (var left = Files.list(home.resolve("data/sandboxes"))) {
      assertFalse(left.anyMatch(Files::isDirectory), "no sandbox directory (disk, keys, sockets, logs) is left");
    }
    for (long pid : pids) {
      assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "VMM " + pid + " is gone");
    }
    assertFalse(run("policy", "ls").out().contains("sandbox:shell-proj"), "scoped rules are gone");
    assertTrue(Files.exists(ws.resolve("from-guest.txt")), "the workspace is untouched");
  }
}
