package dev.sbx.cli.commands;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.SftpException;
import dev.sbx.cli.ExitCodes;
import dev.sbx.cli.UserException;
import dev.sbx.cli.sandbox.SandboxLock;
import dev.sbx.cli.sandbox.SandboxNames;
import dev.sbx.cli.sandbox.SandboxRecord;
import dev.sbx.cli.sandbox.Sandboxes;
import dev.sbx.cli.session.SftpCopy;
import dev.sbx.cli.session.SshSession;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sbx cp [-L] SRC DST} (sbx-cli.md §2.9): one side is {@code SANDBOX:/abs/path}. */
@Command(name = "cp", description = {
    "Copy files between the host and a sandbox; one side is SANDBOX:/absolute/path. A directory",
    "lands whole; an existing directory destination receives the source inside it."})
public final class CpCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Option(names = {"-L", "--follow-link"}, description = "Follow symbolic links in the source.") boolean follow;
  @Parameters(index = "0", paramLabel = "SRC") String src;
  @Parameters(index = "1", paramLabel = "DST") String dst;

  /** {@code NAME:/path} when NAME is a valid sandbox name; drive letters and plain paths are host paths. */
  record Remote(String sandbox, String path) {
    static Optional<Remote> parse(String arg) {
      int colon = arg.indexOf(':');
      if (colon < 2) {
        return Optional.empty();
      }
      String name = arg.substring(0, colon);
      String path = arg.substring(colon + 1);
      if (SandboxNames.problem(name) != null && !name.matches("[0-9a-f-]{8,36}")) {
        return Optional.empty();
      }
      if (!path.startsWith("/")) {
        throw new UserException("the sandbox path in '" + arg + "' must be absolute", ExitCodes.USAGE);
      }
      return Optional.of(new Remote(name, path));
    }
  }

  @Override
  public Integer call() {
    Optional<Remote> from = Remote.parse(src);
    Optional<Remote> to = Remote.parse(dst);
    if (from.isPresent() == to.isPresent()) {
      throw new UserException(from.isPresent() ? "copying between sandboxes is not supported; copy via the host"
          : "one side must be SANDBOX:/path", ExitCodes.USAGE);
    }
    Remote remote = from.orElseGet(to::get);
    Sandboxes sandboxes = Sandboxes.fromEnvironment();
    SandboxRecord r = sandboxes.store().get(remote.sandbox());
    r = sandboxes.ensureRunning(r, Optional.empty(), spec.commandLine().getErr());
    try (SandboxLock ignored = sandboxes.openSession(r); SshSession ssh = Sessions.connect(sandboxes, r)) {
      ChannelSftp sftp = ssh.sftp();
      try {
        SftpCopy copy = new SftpCopy(sftp, follow);
        if (from.isPresent()) {
          copy.toHost(remote.path(), Path.of(dst));
        } else {
          copy.toGuest(Path.of(src), remote.path());
        }
      } finally {
        sftp.disconnect();
      }
      return 0;
    } catch (SftpException e) {
      throw new UserException("copy failed: " + e.getMessage());
    } catch (JSchException | IOException e) {
      throw new UserException("copy failed: " + e.getMessage());
    }
  }
}
