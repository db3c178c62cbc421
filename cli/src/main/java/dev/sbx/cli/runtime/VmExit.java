package dev.sbx.cli.runtime;

/**
 * How a sandbox VM ended, whatever the engine.
 *
 * @param clean the guest powered off or reset, or sbx stopped it; otherwise the engine or a device failed
 * @param reason one line for the user
 */
record VmExit(boolean clean, String reason) {}
