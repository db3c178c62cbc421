package dev.sbx.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Version and commit of this build, from a resource filtered at build time. */
public record BuildInfo(String version, String commit) {

  public static BuildInfo current() {
    Properties p = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new BuildInfo(clean(p.getProperty("version")), clean(p.getProperty("commit")));
  }

  private static String clean(String value) {
    // An unfiltered placeholder means the build had no git metadata.
    return value == null || value.isBlank() || value.startsWith("${") ? "unknown" : value;
  }
}
