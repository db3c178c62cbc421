package dev.sbx.vmm.virtio.fs;

import dev.sbx.vmm.os.linux.LinuxFiles;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The guest's inodes, bounded. Node IDs are never reused (a forged or stale ID finds nothing);
 * the same host inode reached twice (hard links, repeated lookups) is one node. The root is
 * never forgotten.
 */
final class NodeTable {
  static final long ROOT_ID = 1;

  private record Key(long dev, long ino) {}

  private final Map<Long, Node> byId = new HashMap<>();
  private final Map<Key, Node> byInode = new HashMap<>();
  private final int max;
  private final Node root;
  private long nextId = ROOT_ID + 1;

  NodeTable(int rootFd, HostStat rootStat, int max) {
    this.max = max;
    this.root = new Node(ROOT_ID, rootFd, rootStat);
    byId.put(ROOT_ID, root);
    byInode.put(new Key(root.dev, root.ino), root);
  }

  Node root() {
    return root;
  }

  boolean hasRoom() {
    return byId.size() < max;
  }

  /** One more guest reference on a node already held ('.' lookups). */
  Node ref(Node n) {
    n.nlookup++;
    return n;
  }

  int size() {
    return byId.size();
  }

  Node get(long id) throws FuseException {
    Node n = byId.get(id);
    if (n == null) {
      throw new FuseException(Errno.ENOENT, "unknown node " + Long.toUnsignedString(id));
    }
    return n;
  }

  /**
   * Adopts {@code fd} (an O_PATH descriptor with stat {@code st}) and counts one lookup. If the
   * inode is already known {@code fd} is closed and the existing node returned. Closes {@code fd}
   * and fails with ENFILE when the table is full.
   */
  Node lookedUp(int fd, HostStat st) throws FuseException {
    Node n = byInode.get(new Key(st.dev(), st.ino()));
    if (n != null) {
      LinuxFiles.closeQuietly(fd);
    } else {
      if (byId.size() >= max) {
        LinuxFiles.closeQuietly(fd);
        throw new FuseException(Errno.ENFILE, "node table full");
      }
      n = new Node(nextId++, fd, st);
      byId.put(n.id, n);
      byInode.put(new Key(n.dev, n.ino), n);
    }
    n.nlookup++;
    return n;
  }

  /** The guest dropped {@code count} references; unknown IDs (hostile or stale) are ignored. */
  void forget(long id, long count) {
    Node n = byId.get(id);
    if (n == null || n == root) {
      return;
    }
    n.nlookup = Long.compareUnsigned(count, n.nlookup) >= 0 ? 0 : n.nlookup - count;
    if (n.nlookup == 0) {
      byId.remove(id);
      byInode.remove(new Key(n.dev, n.ino));
      LinuxFiles.closeQuietly(n.fd);
    }
  }

  /** Releases every node but the root (DESTROY, close). */
  void clear() {
    for (Iterator<Node> it = byId.values().iterator(); it.hasNext(); ) {
      Node n = it.next();
      if (n != root) {
        LinuxFiles.closeQuietly(n.fd);
        it.remove();
      }
    }
    byInode.clear();
    byInode.put(new Key(root.dev, root.ino), root);
  }

  /** A node that must be a directory (ENOTDIR otherwise). */
  Node dir(long nodeId) throws FuseException {
    Node n = get(nodeId);
    if (n.type != LinuxFiles.S_IFDIR) {
      throw new FuseException(Errno.ENOTDIR, "not a directory");
    }
    return n;
  }
}
