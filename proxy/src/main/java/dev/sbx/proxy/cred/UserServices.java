package dev.sbx.proxy.cred;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * User-defined services from {@code services.json} under the config dir:
 * {@code [{"name":"ghe","hosts":["ghe.example.com"],"header":"Authorization","schemes":["Bearer"]}]}.
 * The secret is stored under the service name like a built-in one.
 */
public final class UserServices {
  private UserServices() {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Entry(@JsonProperty("name") String name, @JsonProperty("hosts") List<String> hosts,
      @JsonProperty("header") String header, @JsonProperty("schemes") List<String> schemes) {}

  /** Built-in services followed by the user's; a user service may not reuse a built-in name. */
  public static List<Service> load(Path configDir) throws IOException {
    List<Service> all = new ArrayList<>(BuiltinServices.ALL);
    Path file = configDir.resolve("services.json");
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return all;
    }
    Entry[] entries = new ObjectMapper().readValue(bytes, Entry[].class);
    for (Entry e : entries) {
      if (e.name() == null || e.hosts() == null || e.hosts().isEmpty() || e.header() == null) {
        throw new IOException(file + ": each service needs name, hosts and header");
      }
      if (BuiltinServices.find(e.name()).isPresent()) {
        throw new IOException(file + ": service '" + e.name() + "' is built in; choose another name");
      }
      Service s = new Service(e.name(), e.hosts(), e.header(), e.schemes() == null ? List.of() : e.schemes());
      try {
        s.targets();
      } catch (IllegalArgumentException ex) {
        throw new IOException(file + ": " + ex.getMessage());
      }
      all.add(s);
    }
    return all;
  }
}
