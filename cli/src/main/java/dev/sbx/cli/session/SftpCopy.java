package dev.sbx.cli.session;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.SftpATTRS;
import com.jcraft.jsch.SftpException;
import dev.sbx.cli.UserException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * {@code sbx cp} over SFTP (sbx-cli.md §2.9). A directory source lands whole at the destination;
 * an existing directory destination receives the source inside it. Copying out treats every name
 * and link the guest supplies as hostile: names are single path segments, links are recreated
 * as links and never descended into or written through, so nothing lands outside the destination.
 */
public final class SftpCopy {
  /** Deeper trees than this are refused rather than followed (link loops with -L end here). */
  static final int MAX_DEPTH = 128;
  private static final int SSH_FX_NO_SUCH_FILE = 2;

  private final ChannelSftp sftp;
  private final boolean followLinks;

  public SftpCopy(ChannelSftp sftp, boolean followLinks) {
    this.sftp = sftp;
    this.followLinks = followLinks;
  }

  // ---- host to sandbox

  public void toGuest(Path src, String dst) throws IOException, SftpException {
    LinkOption[] lo = followLinks ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
    if (!Files.exists(src, lo)) {
      throw new UserException("no such file on the host: " + src);
    }
    SftpATTRS target = statOrNull(dst);
    String dest;
    if (target != null && target.isDir()) {
      dest = join(dst, src.toAbsolutePath().normalize().getFileName().toString());
    } else {
      String parent = parentOf(dst);
      SftpATTRS p = statOrNull(parent);
      if (p == null || !p.isDir()) {
        throw new UserException("the sandbox has no directory " + parent + "; create it first");
      }
      dest = dst;
    }
    putTree(src, dest, 0);
  }

  private void putTree(Path src, String dest, int depth) throws IOException, SftpException {
    if (depth > MAX_DEPTH) {
      throw new UserException("directory tree deeper than " + MAX_DEPTH + " levels at " + src);
    }
    if (!followLinks && Files.isSymbolicLink(src)) {
      SftpATTRS existing = lstatOrNull(dest);
      if (existing != null) {
        sftp.rm(esc(dest));
      }
      sftp.symlink(esc(Files.readSymbolicLink(src).toString()), esc(dest));
      return;
    }
    if (Files.isDirectory(src)) {
      SftpATTRS existing = lstatOrNull(dest);
      if (existing == null) {
        sftp.mkdir(esc(dest));
      } else if (!existing.isDir()) {
        throw new UserException(dest + " exists in the sandbox and is not a directory");
      }
      try (var children = Files.list(src)) {
        for (Path c : children.sorted().toList()) {
          putTree(c, join(dest, c.getFileName().toString()), depth + 1);
        }
      }
      return;
    }
    if (!Files.isRegularFile(src)) {
      throw new UserException("cannot copy " + src + ": not a regular file, directory or link");
    }
    try (InputStream in = Files.newInputStream(src)) {
      sftp.put(in, esc(dest), ChannelSftp.OVERWRITE);
    }
    sftp.chmod(mode(Files.getPosixFilePermissions(src)), esc(dest));
  }

  // ---- sandbox to host

  public void toHost(String src, Path dst) throws IOException, SftpException {
    SftpATTRS a = followLinks ? statOrNull(src) : lstatOrNull(src);
    if (a == null) {
      throw new UserException("no such file in the sandbox: " + src);
    }
    Path dest;
    if (Files.isDirectory(dst)) {
      String name = nameOf(src);
      dest = dst.resolve(checkName(name.isEmpty() ? "root" : name));
    } else {
      Path parent = dst.toAbsolutePath().normalize().getParent();
      if (parent == null || !Files.isDirectory(parent)) {
        throw new UserException("the host has no directory " + parent + "; create it first");
      }
      dest = dst.toAbsolutePath().normalize();
    }
    getTree(src, a, dest, true, 0);
  }

  private void getTree(String src, SftpATTRS a, Path dest, boolean top, int depth) throws IOException, SftpException {
    if (depth > MAX_DEPTH) {
      throw new UserException("directory tree deeper than " + MAX_DEPTH + " levels at " + src);
    }
    if (a.isLink()) {
      Files.deleteIfExists(dest);
      Files.createSymbolicLink(dest, Path.of(sftp.readlink(esc(src))));
      return;
    }
    if (a.isDir()) {
      try {
        Files.createDirectory(dest);
      } catch (FileAlreadyExistsException e) {
        // Only a real directory may receive files: never one reached through a link.
        if (!Files.isDirectory(dest, LinkOption.NOFOLLOW_LINKS)) {
          throw new UserException("cannot copy into " + dest + ": it exists and is not a directory");
        }
      }
      List<ChannelSftp.LsEntry> entries = List.copyOf(sftp.ls(esc(src)));
      for (ChannelSftp.LsEntry e : entries) {
        String name = e.getFilename();
        if (name.equals(".") || name.equals("..")) {
          continue;
        }
        checkName(name);
        String childSrc = join(src, name);
        SftpATTRS ca = followLinks && e.getAttrs().isLink() ? sftp.stat(esc(childSrc)) : e.getAttrs();
        getTree(childSrc, ca, dest.resolve(name), false, depth + 1);
      }
      return;
    }
    if (!a.isReg()) {
      throw new UserException("cannot copy " + src + ": not a regular file, directory or link");
    }
    try (InputStream in = sftp.get(esc(src));
         OutputStream out = Files.newOutputStream(dest, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
             StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS)) {
      in.transferTo(out);
    }
    Files.setPosixFilePermissions(dest, permissions(a.getPermissions()));
  }

  /** A name from the guest must be one plain path segment. */
  static String checkName(String name) {
    if (name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
      throw new UserException("the sandbox sent an unusable file name '" + name.replace("\0", "\\0")
          + "'; nothing is written outside the destination");
    }
    return name;
  }

  // ---- helpers

  private SftpATTRS statOrNull(String path) throws SftpException {
    try {
      return sftp.stat(esc(path));
    } catch (SftpException e) {
      if (e.id == SSH_FX_NO_SUCH_FILE) {
        return null;
      }
      throw e;
    }
  }

  private SftpATTRS lstatOrNull(String path) throws SftpException {
    try {
      return sftp.lstat(esc(path));
    } catch (SftpException e) {
      if (e.id == SSH_FX_NO_SUCH_FILE) {
        return null;
      }
      throw e;
    }
  }

  /** JSch treats {@code *}, {@code ?} and {@code \} in remote paths as glob syntax. */
  static String esc(String path) {
    return path.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?");
  }

  static String join(String dir, String name) {
    return dir.endsWith("/") ? dir + name : dir + "/" + name;
  }

  static String parentOf(String path) {
    String p = path.replaceAll("/+$", "");
    int i = p.lastIndexOf('/');
    return i <= 0 ? "/" : p.substring(0, i);
  }

  static String nameOf(String path) {
    String p = path.replaceAll("/+$", "");
    return p.substring(p.lastIndexOf('/') + 1);
  }

  private static int mode(Set<PosixFilePermission> perms) {
    int m = 0;
    for (PosixFilePermission p : perms) {
      m |= 1 << (8 - p.ordinal());
    }
    return m;
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
    for (PosixFilePermission p : PosixFilePermission.values()) {
      if ((mode & (1 << (8 - p.ordinal()))) != 0) {
        out.add(p);
      }
    }
    return out;
  }
}
