package dev.sbx.cli;

import picocli.CommandLine;

/** Exposes the configured command line to tests in other packages. */
public final class SbxTestHooks {
  private SbxTestHooks() {}

  public static CommandLine newCommandLine() {
    return Sbx.newCommandLine();
  }
}
