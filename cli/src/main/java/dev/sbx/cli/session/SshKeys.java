package dev.sbx.cli.session;

import dev.sbx.proxy.store.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.generators.Ed25519KeyPairGenerator;
import org.bouncycastle.crypto.params.Ed25519KeyGenerationParameters;
import org.bouncycastle.crypto.util.OpenSSHPrivateKeyUtil;
import org.bouncycastle.crypto.util.OpenSSHPublicKeyUtil;

/**
 * The per-sandbox SSH keys in {@code ssh/} (contract.md): the client key the CLI logs in with and
 * the guest's host key the CLI pins. Both ed25519 in OpenSSH format, private files 0600.
 */
public final class SshKeys {
  public static final String CLIENT = "id_ed25519";
  public static final String HOST = "ssh_host_ed25519_key";

  private final Path dir;

  public SshKeys(Path dir) {
    this.dir = dir;
  }

  public static SshKeys in(Path sandboxDir) {
    return new SshKeys(sandboxDir.resolve("ssh"));
  }

  public Path dir() {
    return dir;
  }

  public Path clientKey() {
    return dir.resolve(CLIENT);
  }

  public Path clientPublicKey() {
    return dir.resolve(CLIENT + ".pub");
  }

  public Path hostKey() {
    return dir.resolve(HOST);
  }

  public Path hostPublicKey() {
    return dir.resolve(HOST + ".pub");
  }

  /** Makes both key pairs; existing keys are replaced. */
  public void generate(String comment) throws IOException {
    AtomicFiles.createDirectories(dir, true);
    write(CLIENT, "sbx@" + comment);
    write(HOST, "root@" + comment);
  }

  private void write(String base, String comment) throws IOException {
    Ed25519KeyPairGenerator gen = new Ed25519KeyPairGenerator();
    gen.init(new Ed25519KeyGenerationParameters(new SecureRandom()));
    AsymmetricCipherKeyPair pair = gen.generateKeyPair();
    byte[] priv = OpenSSHPrivateKeyUtil.encodePrivateKey(pair.getPrivate());
    byte[] pub = OpenSSHPublicKeyUtil.encodePublicKey(pair.getPublic());
    String pem = "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(70, new byte[] {'\n'}).encodeToString(priv)
        + "\n-----END OPENSSH PRIVATE KEY-----\n";
    AtomicFiles.write(dir.resolve(base), pem.getBytes(StandardCharsets.US_ASCII), true);
    String line = "ssh-ed25519 " + Base64.getEncoder().encodeToString(pub) + " " + comment + "\n";
    AtomicFiles.write(dir.resolve(base + ".pub"), line.getBytes(StandardCharsets.US_ASCII), false);
  }

  /** The {@code ssh-ed25519 AAAA...} part of a public key file, without the comment. */
  public static String keyText(Path publicKeyFile) throws IOException {
    String[] parts = Files.readString(publicKeyFile, StandardCharsets.US_ASCII).strip().split("\\s+");
    if (parts.length < 2 || !parts[0].equals("ssh-ed25519")) {
      throw new IOException(publicKeyFile + " is not an ed25519 public key");
    }
    return parts[0] + " " + parts[1];
  }
}
