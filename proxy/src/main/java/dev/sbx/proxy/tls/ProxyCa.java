package dev.sbx.proxy.tls;

import dev.sbx.proxy.store.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/**
 * The per-install interception CA (proxy-threats.md L10): ECDSA P-256, critical
 * basicConstraints, keyCertSign + cRLSign, SKI. Created on first use; the key file is 0600 and
 * never leaves the host, only {@code ca.pem} enters a sandbox.
 */
public final class ProxyCa {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration CA_LIFETIME = Duration.ofDays(3650);
  private static final Duration LEAF_LIFETIME = Duration.ofDays(99);

  private final X509Certificate certificate;
  private final PrivateKey key;
  private final Path certificateFile;

  private ProxyCa(X509Certificate certificate, PrivateKey key, Path certificateFile) {
    this.certificate = certificate;
    this.key = key;
    this.certificateFile = certificateFile;
  }

  /** Loads {@code dir/ca.pem} and {@code dir/ca-key.pem}, creating both on first use. */
  public static ProxyCa loadOrCreate(Path dir, String commonName) throws IOException {
    AtomicFiles.createDirectories(dir, true);
    Path cert = dir.resolve("ca.pem");
    Path keyFile = dir.resolve("ca-key.pem");
    try (FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
         FileLock ignored = ch.lock()) {
      if (!Files.exists(cert) || !Files.exists(keyFile)) {
        ProxyCa ca = create(commonName, cert);
        AtomicFiles.write(keyFile, pem(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(ca.key, null).generate()), true);
        AtomicFiles.write(cert, pem(ca.certificate), false);
        return ca;
      }
      return new ProxyCa(readCertificate(Files.readString(cert)), readKey(Files.readString(keyFile)), cert);
    }
  }

  /** A CA that lives only in memory (tests' origin CA). */
  public static ProxyCa create(String commonName, Path certificateFile) {
    try {
      KeyPair kp = newKeyPair();
      Instant now = Instant.now();
      X500Name name = new X500Name("CN=" + commonName + ",O=sbx");
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
          Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(CA_LIFETIME)), name, kp.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
      return new ProxyCa(sign(b, kp.getPrivate()), kp.getPrivate(), certificateFile);
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot create CA: " + e.getMessage(), e);
    }
  }

  /** A leaf naming exactly {@code host}; valid at most 99 days and never beyond the CA. */
  public Leaf mintLeaf(String host) {
    return mintLeaf(host, Instant.now().minus(Duration.ofDays(1)),
        min(Instant.now().plus(LEAF_LIFETIME), certificate.getNotAfter().toInstant()));
  }

  /** A leaf with chosen validity (tests mint expired and not-yet-valid origin certificates). */
  public Leaf mintLeaf(String host, Instant notBefore, Instant notAfter) {
    try {
      KeyPair kp = newKeyPair();
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(),
          Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + host), kp.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
          .addExtension(Extension.subjectAlternativeName, false,
              new GeneralNames(new GeneralName(GeneralName.dNSName, host)))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(certificate));
      return new Leaf(kp.getPrivate(), sign(b, key), certificate);
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot mint certificate for " + host + ": " + e.getMessage(), e);
    }
  }

  /** A leaf certificate with its key and issuer. */
  public record Leaf(PrivateKey key, X509Certificate certificate, X509Certificate issuer) {
    @Override
    public String toString() {
      return "Leaf[" + certificate.getSubjectX500Principal() + "]";
    }
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public Path certificateFile() {
    return certificateFile;
  }

  public String certificatePem() {
    return new String(pem(certificate), StandardCharsets.US_ASCII);
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer)
      throws OperatorCreationException, GeneralSecurityException {
    ContentSigner s = new JcaContentSignerBuilder("SHA256withECDSA").build(signer);
    X509CertificateHolder holder = b.build(s);
    return new JcaX509CertificateConverter().getCertificate(holder);
  }

  public static byte[] pem(Object o) {
    StringWriter sw = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
      w.writeObject(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return sw.toString().getBytes(StandardCharsets.US_ASCII);
  }

  static X509Certificate readCertificate(String pem) throws IOException {
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      if (!(o instanceof X509CertificateHolder h)) {
        throw new IOException("not a PEM certificate");
      }
      return new JcaX509CertificateConverter().getCertificate(h);
    } catch (GeneralSecurityException e) {
      throw new IOException(e);
    }
  }

  static PrivateKey readKey(String pem) throws IOException {
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o = p.readObject();
      JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair kp) {
        return conv.getPrivateKey(kp.getPrivateKeyInfo());
      }
      if (o instanceof PrivateKeyInfo info) {
        return conv.getPrivateKey(info);
      }
      throw new IOException("not a PEM private key");
    }
  }

}
