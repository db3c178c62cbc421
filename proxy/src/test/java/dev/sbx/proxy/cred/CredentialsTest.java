package dev.sbx.proxy.cred;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.proxy.policy.Destinations;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialsTest {
  @TempDir Path dir;
  static final Service ANT = BuiltinServices.find("anthropic").orElseThrow();
  static final Service GH = BuiltinServices.find("github").orElseThrow();

  @Test
  void builtinsCoverTheRequiredServices() {
    assertTrue(BuiltinServices.names().containsAll(
        List.of("anthropic", "openai", "google", "github", "mistral", "groq", "openrouter", "xai")));
    for (Service s : BuiltinServices.ALL) {
      assertFalse(s.targets().isEmpty());
    }
  }

  @Test
  void substitutionOnlyForTheExactPlaceholder() {
    assertEquals("K", PlaceholderInjector.substitute("proxy-managed", ANT, "K"));
    assertNull(PlaceholderInjector.substitute("PROXY-MANAGED", ANT, "K"));
    assertNull(PlaceholderInjector.substitute(" proxy-managed", ANT, "K"));
    assertNull(PlaceholderInjector.substitute("proxy-managed2", ANT, "K"));
    assertEquals("token K", PlaceholderInjector.substitute("token proxy-managed", GH, "K"));
    assertEquals("bearer K", PlaceholderInjector.substitute("bearer proxy-managed", GH, "K"));
    assertNull(PlaceholderInjector.substitute("Bearer proxy-managed extra", GH, "K"));
    assertNull(PlaceholderInjector.substitute("Digest proxy-managed", GH, "K"));
    assertNull(PlaceholderInjector.substitute("Basic !!!", GH, "K"));
  }

  @Test
  void injectionReplacesEveryCopyWithOne() {
    HttpHeaders h = new DefaultHttpHeaders().add("X-Api-Key", "proxy-managed").add("x-api-key", "other");
    assertTrue(PlaceholderInjector.inject(h, ANT, "K"));
    assertEquals(List.of("K"), h.getAll("x-api-key"));
    HttpHeaders none = new DefaultHttpHeaders().add("x-api-key", "mine");
    assertFalse(PlaceholderInjector.inject(none, ANT, "K"));
    assertEquals(List.of("mine"), none.getAll("x-api-key"));
  }

  @Test
  void scrubReplacesEchoedSecret() {
    HttpHeaders h = new DefaultHttpHeaders().add("x-echo", "key=SECRET-1;x").add("other", "fine");
    PlaceholderInjector.scrub(h, "SECRET-1");
    assertEquals("key=proxy-managed;x", h.get("x-echo"));
    assertEquals("fine", h.get("other"));
  }

  @Test
  void p88BadSecretsRefused() throws Exception {
    SecretStore store = new SecretStore(dir);
    for (String bad : List.of("a\rb", "a\nb", "a\0b", "", "proxy-managed", "a\u0001b")) {
      assertThrows(IllegalArgumentException.class, () -> store.set(null, "anthropic", bad));
    }
    // A tampered file with a CR is refused at load, naming the service but not the value.
    Files.createDirectories(dir.resolve("secrets"));
    Files.writeString(dir.resolve("secrets/secrets.json"),
        "{\"version\":1,\"secrets\":[{\"service\":\"anthropic\",\"value\":\"REAL-\\r\\nX: y\"}]}");
    IOException e = assertThrows(IOException.class, store::list);
    assertTrue(e.getMessage().contains("anthropic"));
    assertFalse(e.getMessage().contains("REAL-"));
  }

  @Test
  void storeIsPrivateAndScoped() throws Exception {
    SecretStore store = new SecretStore(dir);
    assertFalse(store.set(null, "anthropic", "GLOBAL-KEY"));
    assertTrue(store.set(null, "anthropic", "GLOBAL-KEY-2"));
    store.set("sb1", "anthropic", "SB1-KEY");
    store.set(null, "openai", "OAI");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file())));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file().getParent())));
    var d = Destinations.parseAuthority("api.anthropic.com:443");
    assertEquals("GLOBAL-KEY-2", Credentials.of(BuiltinServices.ALL, store.list(), null).bindingFor(d).secret());
    assertEquals("SB1-KEY", Credentials.of(BuiltinServices.ALL, store.list(), "sb1").bindingFor(d).secret());
    assertEquals("GLOBAL-KEY-2", Credentials.of(BuiltinServices.ALL, store.list(), "sb2").bindingFor(d).secret());
    assertNull(Credentials.of(BuiltinServices.ALL, store.list(), null)
        .bindingFor(Destinations.parseAuthority("api.anthropic.com:8443")), "bindings default to port 443");
    assertEquals(1, store.remove("sb1", null));
    assertEquals(2, store.list().size());
    assertFalse(store.list().toString().contains("KEY"), "toString never shows values");
  }

  @Test
  void userDefinedServices() throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("services.json"),
        "[{\"name\":\"ghe\",\"hosts\":[\"*.ghe.example\"],\"header\":\"Authorization\",\"schemes\":[\"Bearer\"]}]");
    List<Service> all = UserServices.load(dir);
    Service ghe = all.get(all.size() - 1);
    assertTrue(ghe.binds(Destinations.parseAuthority("api.ghe.example:443")));
    assertFalse(ghe.binds(Destinations.parseAuthority("ghe.example:443")));
    Files.writeString(dir.resolve("services.json"), "[{\"name\":\"github\",\"hosts\":[\"x.example\"],\"header\":\"a\"}]");
    assertThrows(IOException.class, () -> UserServices.load(dir));
    assertNotNull(SecretValues.mask("abcdefghijklmnopqrst"));
    assertEquals("abcd****…****qrst", SecretValues.mask("abcdefghijklmnopqrst"));
    assertEquals("****", SecretValues.mask("short"));
  }
}
