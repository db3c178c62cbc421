package dev.sbx.vmm.engine;

import java.nio.file.Path;

/**
 * Where an engine keeps its files.
 *
 * @param runDir private (0700) and short enough for Unix socket paths; emptied between starts
 * @param logDir where the engine's own log ({@code qemu.log}) goes; kept after the VM ends
 */
public record EnginePaths(Path runDir, Path logDir) {}
