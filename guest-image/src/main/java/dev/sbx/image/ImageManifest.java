package dev.sbx.image;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code manifest.json} of a built image. It is written last, atomically, so its presence is the
 * claim that every listed file is complete; readers still check sizes (and hashes on request).
 * {@code built} is an ISO-8601 instant.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ImageManifest(
    int format,
    String version,
    String built,
    List<ImageFile> files,
    Map<String, Long> buildSeconds) {

  public static final String FILE_NAME = "manifest.json";
  static final int FORMAT = 1;

  /** One artifact: its name in the image directory, size in bytes, SHA-256 in hex. */
  public record ImageFile(String name, long size, String sha256) {}

  public ImageManifest {
    files = List.copyOf(files);
    buildSeconds = Map.copyOf(buildSeconds);
  }

  public Optional<ImageFile> file(String name) {
    return files.stream().filter(f -> f.name().equals(name)).findFirst();
  }

  public long totalSize() {
    return files.stream().mapToLong(ImageFile::size).sum();
  }

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(SerializationFeature.INDENT_OUTPUT);

  static ImageManifest read(Path file) throws IOException {
    return MAPPER.readValue(file.toFile(), ImageManifest.class);
  }

  void writeAtomically(Path file) throws IOException {
    AtomicFile.write(file, MAPPER.writeValueAsBytes(this));
  }
}
