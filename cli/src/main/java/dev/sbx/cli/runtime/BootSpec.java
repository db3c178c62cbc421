package dev.sbx.cli.runtime;

import java.nio.file.Path;

/** What every engine boots: the image's kernel, the command line, vCPUs and RAM. */
record BootSpec(Path kernel, String cmdline, int cpus, long memoryBytes) {}
