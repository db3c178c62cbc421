package dev.sbx.cli.secret;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.cli.SbxProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretCommandTest {
  @TempDir Path home;

  @Test
  void setListRemoveNeverPrintingValues() throws Exception {
    SbxProcess sbx = new SbxProcess(home);
    SbxProcess.Result set = sbx.input("sk-ant-api03-REALVALUE-1234567890\n", "secret", "set", "anthropic");
    assertEquals(0, set.exit(), set.err());
    assertTrue(set.err().contains("No keychain found; storing the secret on disk, protected by file permissions only"));
    assertTrue(set.out().startsWith("Stored anthropic (global) in "), set.out());
    Path file = home.resolve("config/secrets/secrets.json");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertTrue(Files.readString(file).contains("\"sk-ant-api03-REALVALUE-1234567890\""), "trailing newline trimmed");

    SbxProcess.Result exists = sbx.input("other\n", "secret", "set", "anthropic");
    assertEquals(1, exists.exit());
    assertTrue(exists.err().contains("use -f"), exists.err());
    assertEquals(0, sbx.input("short\n", "secret", "set", "openai", "--sandbox", "my-sandbox").exit());

    SbxProcess.Result ls = sbx.run("secret", "ls");
    assertTrue(ls.out().contains("(global)    service  anthropic  sk-a****…****7890"), ls.out());
    assertTrue(ls.out().contains("my-sandbox  service  openai     ****"), ls.out());
    SbxProcess.Result json = sbx.run("secret", "ls", "--json", "--service", "openai");
    assertEquals("[{\"scope\":\"sandbox\",\"sandbox\":\"my-sandbox\",\"type\":\"service\",\"name\":\"openai\",\"masked\":\"****\"}]\n",
        json.out());
    for (SbxProcess.Result r : new SbxProcess.Result[] {set, ls, json}) {
      assertFalse(r.out().contains("REALVALUE") || r.err().contains("REALVALUE"));
    }

    SbxProcess.Result unknown = sbx.input("x\n", "secret", "set", "nosuch");
    assertEquals(2, unknown.exit());
    assertTrue(unknown.err().contains("anthropic, openai, google, github"), unknown.err());
    SbxProcess.Result cr = sbx.input("bad\rvalue\n", "secret", "set", "groq");
    assertEquals(1, cr.exit());
    assertTrue(cr.err().contains("CR, LF or NUL"), cr.err());
    assertEquals(1, sbx.input("", "secret", "set", "groq").exit());

    assertEquals(1, sbx.run("secret", "rm", "anthropic").exit());
    assertEquals(0, sbx.run("secret", "rm", "anthropic", "-f").exit());
    assertEquals(0, sbx.run("secret", "rm", "--sandbox", "my-sandbox", "--all", "-f").exit());
    assertEquals(1, sbx.run("secret", "rm", "anthropic", "-f").exit());
    assertEquals("SCOPE  TYPE  NAME  SECRET\n", sbx.run("secret", "ls").out());
  }
}
