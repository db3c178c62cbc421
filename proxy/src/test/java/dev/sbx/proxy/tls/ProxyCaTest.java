package dev.sbx.proxy.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyCaTest {
  @TempDir Path dir;

  @Test
  void createdOnceKeyPrivateAndReloadable() throws Exception {
    ProxyCa a = ProxyCa.loadOrCreate(dir.resolve("ca"), "sbx proxy CA");
    ProxyCa b = ProxyCa.loadOrCreate(dir.resolve("ca"), "sbx proxy CA");
    assertArrayEquals(a.certificate().getEncoded(), b.certificate().getEncoded());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca/ca-key.pem"))));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca"))));
    assertTrue(Files.readString(dir.resolve("ca/ca.pem")).startsWith("-----BEGIN CERTIFICATE-----"));
    // A leaf minted by the reloaded CA verifies against the first one's certificate.
    b.mintLeaf("x.example").certificate().verify(a.certificate().getPublicKey());
  }

  @Test
  void p48CaShape() throws Exception {
    X509Certificate ca = ProxyCa.create("t", dir.resolve("c.pem")).certificate();
    assertTrue(ca.getCriticalExtensionOIDs().contains("2.5.29.19"), "basicConstraints critical");
    assertTrue(ca.getBasicConstraints() >= 0);
    assertTrue(ca.getKeyUsage()[5] && ca.getKeyUsage()[6], "keyCertSign and cRLSign");
    assertNotNull(ca.getExtensionValue("2.5.29.14"), "SKI");
    assertEquals("EC", ca.getPublicKey().getAlgorithm());
  }

  @Test
  void p48LeafShapeAndP93OneMintPerNameBounded() throws Exception {
    ProxyCa ca = ProxyCa.create("t", dir.resolve("c.pem"));
    X509Certificate leaf = ca.mintLeaf("api.github.com").certificate();
    assertEquals("[[2, api.github.com]]", leaf.getSubjectAlternativeNames().toString());
    assertNotNull(leaf.getExtensionValue("2.5.29.35"), "AKI");
    assertTrue(leaf.getSerialNumber().signum() > 0);
    assertTrue(!leaf.getNotAfter().after(ca.certificate().getNotAfter()));
    var exec = Executors.newSingleThreadExecutor();
    try {
      LeafCache cache = new LeafCache(ca, exec, 3);
      for (int i = 0; i < 3; i++) {
        cache.get("a.example").get();
      }
      assertEquals(1, cache.mints());
      for (int i = 0; i < 10; i++) {
        cache.get("h" + i + ".ghe.example").get();
      }
      assertEquals(3, cache.size());
      assertEquals(11, cache.mints());
    } finally {
      exec.shutdownNow();
    }
  }
}
