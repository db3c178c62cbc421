package dev.sbx.cli.commands;

import dev.sbx.cli.sandbox.IdleStop;
import dev.sbx.cli.sandbox.Sandboxes;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Hidden: the detached watcher {@link IdleStop} leaves behind when a sandbox's last session ends. */
@Command(name = "idle-stop", hidden = true, description = "Stop a sandbox after it stayed idle (internal).")
public final class IdleStopCommand implements Callable<Integer> {
  @Parameters(index = "0") String id;
  @Parameters(index = "1") long seconds;

  @Override
  public Integer call() throws InterruptedException {
    IdleStop.watch(Sandboxes.fromEnvironment(), id, Duration.ofSeconds(seconds));
    return 0;
  }
}
