package dev.sbx.cli.runtime;

import java.io.IOException;

/**
 * One request verb of the control socket ({@code STATUS}, {@code STOP}, {@code CONNECT}, and later
 * {@code PUBLISH}...). It runs on the connection's own thread and may keep the connection as long
 * as it needs (CONNECT relays bytes until either side closes); the server closes it afterwards.
 */
@FunctionalInterface
public interface ControlVerb {
  /**
   * @param argument the rest of the request line after the verb and one space (may be empty);
   *     untrusted: check it
   */
  void handle(String argument, ControlConnection connection) throws IOException;
}
