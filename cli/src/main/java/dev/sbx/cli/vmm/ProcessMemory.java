package dev.sbx.cli.vmm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory, for logs and benchmarks (Linux; elsewhere "unknown"). */
final class ProcessMemory {
  private ProcessMemory() {}

  static String describe() {
    try {
      StringBuilder sb = new StringBuilder();
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:") || line.startsWith("VmHWM:")) {
          sb.append(sb.length() == 0 ? "" : ", ").append(line.replaceAll("\\s+", " "));
        }
      }
      return sb.length() == 0 ? "unknown" : sb.toString();
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }
}
