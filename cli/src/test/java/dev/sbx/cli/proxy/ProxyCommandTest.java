package dev.sbx.cli.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.sbx.cli.SbxProcess;
import dev.sbx.proxy.tls.ProxyCa;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline recipe of proxy-threats.md §5 with the real CLI: settings, secret from stdin,
 * policy, {@code sbx proxy} printing its CA path, and real curl against a local HTTPS origin.
 * Needs Debian's {@code curl}.
 */
class ProxyCommandTest {
  @TempDir Path home;

  @Test
  void standaloneProxyInjectsAndLogs() throws Exception {
    ProxyCa originCa = ProxyCa.create("origin", home.resolve("origin-ca.pem"));
    Files.writeString(home.resolve("origin-ca.pem"), originCa.certificatePem());
    ProxyCa.Leaf leaf = originCa.mintLeaf("api.anthropic.com");
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("k", leaf.key(), new char[0], new Certificate[] {leaf.certificate(), leaf.issuer()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), null, null);
    HttpsServer origin = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    origin.setHttpsConfigurator(new HttpsConfigurator(ssl));
    List<String> keys = new CopyOnWriteArrayList<>();
    origin.createContext("/", ex -> {
      keys.add(String.valueOf(ex.getRequestHeaders().get("x-api-key")));
      ex.getRequestBody().readAllBytes();
      byte[] body = "ok\n".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    origin.start();
    Process proxy = null;
    try {
      SbxProcess sbx = new SbxProcess(home);
      assertEquals(0, sbx.run("settings", "set", "proxy.resolve",
          "api.anthropic.com:443=127.0.0.1:" + origin.getAddress().getPort()).exit());
      assertEquals(0, sbx.run("settings", "set", "proxy.upstream-ca", home.resolve("origin-ca.pem").toString()).exit());
      assertEquals(0, sbx.input("REAL-ANT", "secret", "set", "anthropic").exit());
      assertEquals(0, sbx.run("policy", "init", "deny-all").exit());
      assertEquals(0, sbx.run("policy", "allow", "network", "api.anthropic.com:443").exit());

      assertEquals(2, sbx.run("proxy", "--listen", "0.0.0.0:3128").exit());

      proxy = sbx.builder("proxy", "--listen", "127.0.0.1:0").redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(proxy.getInputStream(), StandardCharsets.UTF_8));
      String listening = out.readLine();
      String caLine = out.readLine();
      assertTrue(listening != null && listening.startsWith("sbx proxy listening on 127.0.0.1:"), listening);
      assertTrue(caLine.startsWith("CA certificate: "), caLine);
      String port = listening.replaceAll(".*127\\.0\\.0\\.1:(\\d+).*", "$1");
      String ca = caLine.substring("CA certificate: ".length());
      assertEquals(home.resolve("config/proxy-ca/ca.pem").toString(), ca);
      StringBuilder rest = new StringBuilder();
      Thread drain = new Thread(() -> out.lines().forEach(l -> rest.append(l).append('\n')));
      drain.start();

      Process curl = new ProcessBuilder("curl", "-q", "-sS", "-x", "http://127.0.0.1:" + port, "--cacert", ca,
          "-H", "x-api-key: proxy-managed", "-d", "{}", "-w", "%{http_code}", "https://api.anthropic.com/v1/messages")
          .redirectErrorStream(true).start();
      String curlOut = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(curl.waitFor(30, TimeUnit.SECONDS));
      assertEquals("ok\n200", curlOut);
      assertEquals(List.of("[REAL-ANT]"), keys);

      SbxProcess.Result denied = sbx.run("policy", "check", "network", "example.com");
      assertEquals(1, denied.exit());

      // The decision line is written when the tunnel closes; poll the aggregated view briefly.
      String log = "";
      for (int i = 0; i < 100 && !log.contains("intercept"); i++) {
        log = sbx.run("policy", "log").out();
        Thread.sleep(50);
      }
      assertTrue(log.contains("api.anthropic.com:443") && log.contains("intercept"), log);
      assertFalse(Files.readString(home.resolve("data/proxy/_global/proxy.log")).contains("REAL-"));
      proxy.destroy();
      assertTrue(proxy.waitFor(30, TimeUnit.SECONDS));
      drain.join(10_000);
      assertFalse(rest.toString().contains("REAL-"), rest.toString());
    } finally {
      if (proxy != null) {
        proxy.destroyForcibly();
      }
      origin.stop(0);
    }
  }
}
