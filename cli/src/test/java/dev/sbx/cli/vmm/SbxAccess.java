package dev.sbx.cli.vmm;

import picocli.CommandLine;

/** Test access to the root command line from another package. */
final class SbxAccess {
  private SbxAccess() {}

  static CommandLine commandLine() {
    return dev.sbx.cli.SbxTestHooks.newCommandLine();
  }
}
