package dev.sbx.vmm.virtio.block;

import dev.sbx.vmm.os.linux.SparseFile;
import dev.sbx.vmm.virtio.ChainReader;
import dev.sbx.vmm.virtio.ChainWriter;
import dev.sbx.vmm.virtio.DescriptorChain;
import dev.sbx.vmm.virtio.VirtioDevice;
import dev.sbx.vmm.virtio.VirtioException;
import dev.sbx.vmm.virtio.VirtioFeatures;
import dev.sbx.vmm.virtio.VirtioInterrupt;
import dev.sbx.vmm.virtio.Virtqueue;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * virtio-blk (device 2) over a raw image file. Reads and writes move straight between the file and
 * guest memory; FLUSH is fsync; DISCARD and WRITE_ZEROES punch holes so the image stays sparse;
 * GET_ID returns a 20-byte serial. Every sector range is checked against the capacity, and a
 * malformed request gets IOERR or UNSUPP, never a broken VMM.
 */
public final class BlockDevice implements VirtioDevice {
  private static final Logger log = LoggerFactory.getLogger(BlockDevice.class);
  public static final int TYPE = 2;
  static final int SECTOR = 512;
  static final int QUEUE_SIZE = 256;
  /** Segment limits offered to the driver; requests stay far below maxChainBytes. */
  static final int SEG_MAX = QUEUE_SIZE - 2;
  static final int SIZE_MAX = 128 * 1024;
  static final int MAX_DISCARD_SECTORS = 1 << 22;
  static final int MAX_DISCARD_SEGMENTS = 32;
  static final int ID_BYTES = 20;

  static final int F_SIZE_MAX = 1;
  static final int F_SEG_MAX = 2;
  static final int F_RO = 5;
  static final int F_BLK_SIZE = 6;
  static final int F_FLUSH = 9;
  static final int F_DISCARD = 13;
  static final int F_WRITE_ZEROES = 14;

  static final int T_IN = 0;
  static final int T_OUT = 1;
  static final int T_FLUSH = 4;
  static final int T_GET_ID = 8;
  static final int T_DISCARD = 11;
  static final int T_WRITE_ZEROES = 13;

  static final byte S_OK = 0;
  static final byte S_IOERR = 1;
  static final byte S_UNSUPP = 2;

  private final Path path;
  private final boolean readOnly;
  private final FileChannel channel;
  private final SparseFile holes;
  private final long sectors;
  private final byte[] id;
  private final byte[] config;
  private List<Virtqueue> queues = List.of();
  private VirtioInterrupt interrupt;

  private BlockDevice(Path path, boolean readOnly, FileChannel channel, SparseFile holes, long sectors, byte[] id) {
    this.path = path;
    this.readOnly = readOnly;
    this.channel = channel;
    this.holes = holes;
    this.sectors = sectors;
    this.id = id;
    this.config = buildConfig();
  }

  /**
   * Opens a raw image.
   *
   * @throws IOException naming the problem: missing file, size not a multiple of 512, no access
   */
  public static BlockDevice open(Path path, boolean readOnly) throws IOException {
    if (!Files.isRegularFile(path)) {
      throw new IOException("disk image " + path + " does not exist or is not a regular file");
    }
    long size = Files.size(path);
    if (size % SECTOR != 0) {
      throw new IOException("disk image " + path + " is " + size + " bytes, not a multiple of 512; "
          + "pad it with: truncate -s " + ((size + SECTOR - 1) / SECTOR * SECTOR) + " " + path);
    }
    if (size == 0) {
      throw new IOException("disk image " + path + " is empty; give it a size, e.g. truncate -s 1G " + path);
    }
    FileChannel ch = readOnly ? FileChannel.open(path, StandardOpenOption.READ)
        : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    SparseFile holes = null;
    try {
      holes = readOnly ? null : SparseFile.open(path);
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    String name = path.getFileName().toString();
    byte[] id = new byte[ID_BYTES];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(n, 0, id, 0, Math.min(n.length, ID_BYTES));
    return new BlockDevice(path, readOnly, ch, holes, size / SECTOR, id);
  }

  public long capacitySectors() {
    return sectors;
  }

  private byte[] buildConfig() {
    ByteBuffer b = ByteBuffer.allocate(60).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, sectors);
    b.putInt(8, SIZE_MAX);
    b.putInt(12, SEG_MAX);
    b.putInt(20, SECTOR);
    b.putInt(36, MAX_DISCARD_SECTORS);
    b.putInt(40, MAX_DISCARD_SEGMENTS);
    b.putInt(44, 8); // discard alignment: 4 KiB, the usual file system block
    b.putInt(48, MAX_DISCARD_SECTORS);
    b.putInt(52, MAX_DISCARD_SEGMENTS);
    b.put(56, (byte) 1); // write_zeroes_may_unmap
    return b.array();
  }

  @Override
  public int deviceType() {
    return TYPE;
  }

  @Override
  public long features() {
    long f = VirtioFeatures.RING_FEATURES | bit(F_SIZE_MAX) | bit(F_SEG_MAX) | bit(F_BLK_SIZE) | bit(F_FLUSH);
    return readOnly ? f | bit(F_RO) : f | bit(F_DISCARD) | bit(F_WRITE_ZEROES);
  }

  private static long bit(int n) {
    return 1L << n;
  }

  @Override
  public int queueCount() {
    return 1;
  }

  @Override
  public int queueMaxSize(int index) {
    return QUEUE_SIZE;
  }

  @Override
  public int maxChainBytes() {
    return SEG_MAX * SIZE_MAX + 4096;
  }

  @Override
  public int configSize() {
    return config.length;
  }

  @Override
  public void readConfig(int offset, byte[] dst) {
    for (int i = 0; i < dst.length; i++) {
      int o = offset + i;
      dst[i] = o >= 0 && o < config.length ? config[o] : 0;
    }
  }

  @Override
  public synchronized void activate(long ackedFeatures, List<Virtqueue> queues, VirtioInterrupt interrupt) {
    this.queues = queues;
    this.interrupt = interrupt;
  }

  @Override
  public synchronized void queueNotified(int index) {
    if (index != 0 || queues.isEmpty()) {
      return;
    }
    Virtqueue q = queues.get(0);
    q.drain(c -> {
      handle(c);
      q.addUsed(c);
    });
    if (q.needsInterrupt()) {
      interrupt.signalUsedBuffer(0);
    }
  }

  /** Serves one request; whatever the guest sent, the chain gets a status byte if it has room. */
  void handle(DescriptorChain c) {
    ChainWriter out = c.writer();
    if (out.remaining() < 1) {
      log.debug("block request without a status byte; dropped");
      return;
    }
    byte status;
    try {
      status = serve(c.reader(), out);
    } catch (VirtioException e) {
      log.debug("malformed block request: {}", e.getMessage());
      status = S_IOERR;
    } catch (IOException | java.io.UncheckedIOException e) {
      log.warn("I/O error on {}: {}", path, e.getMessage());
      status = S_IOERR;
    }
    int pad = out.remaining() - 1;
    if (pad > 0) {
      out.write(new byte[pad]);
    }
    out.write(new byte[] {status});
  }

  private byte serve(ChainReader in, ChainWriter out) throws IOException {
    if (in.remaining() < 16) {
      return S_IOERR;
    }
    // Copy the header once; the guest can change it under us.
    int type = in.readInt();
    in.readInt();
    long sector = in.readLong();
    switch (type) {
      case T_IN: {
        int len = out.remaining() - 1;
        if (!inRange(sector, len)) {
          return S_IOERR;
        }
        long pos = sector * SECTOR;
        long got = out.transferFrom(channel, pos, len);
        if (got < len) {
          // The image shrank under us: what is missing reads as zeros.
          out.write(new byte[(int) (len - Math.max(got, 0))]);
        }
        return S_OK;
      }
      case T_OUT: {
        int len = in.remaining();
        if (readOnly || !inRange(sector, len)) {
          return S_IOERR;
        }
        long put = in.transferTo(channel, sector * SECTOR, len);
        return put == len ? S_OK : S_IOERR;
      }
      case T_FLUSH:
        if (!readOnly) {
          channel.force(true);
        }
        return S_OK;
      case T_GET_ID: {
        int n = Math.min(ID_BYTES, out.remaining() - 1);
        out.write(id, 0, n);
        return S_OK;
      }
      case T_DISCARD:
      case T_WRITE_ZEROES:
        return readOnly ? S_IOERR : zeroRanges(in, type == T_DISCARD);
      default:
        return S_UNSUPP;
    }
  }

  private boolean inRange(long sector, long len) {
    return len >= 0 && len % SECTOR == 0 && sector >= 0 && sector <= sectors && len / SECTOR <= sectors - sector;
  }

  private byte zeroRanges(ChainReader in, boolean discard) throws IOException {
    int n = in.remaining() / 16;
    if (in.remaining() % 16 != 0 || n == 0 || n > MAX_DISCARD_SEGMENTS) {
      return S_IOERR;
    }
    long[] starts = new long[n];
    long[] counts = new long[n];
    for (int i = 0; i < n; i++) {
      long sector = in.readLong();
      long count = Integer.toUnsignedLong(in.readInt());
      int flags = in.readInt();
      if (discard && flags != 0 || (flags & ~1) != 0) {
        return S_UNSUPP;
      }
      if (count > MAX_DISCARD_SECTORS || !inRange(sector, count * SECTOR)) {
        return S_IOERR;
      }
      starts[i] = sector;
      counts[i] = count;
    }
    for (int i = 0; i < n; i++) {
      long off = starts[i] * SECTOR;
      long len = counts[i] * SECTOR;
      if (len == 0) {
        continue;
      }
      if (!holes.punchHole(off, len) && !discard) {
        writeZeros(off, len);
      }
    }
    return S_OK;
  }

  private void writeZeros(long off, long len) throws IOException {
    ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(len, 1 << 20));
    while (len > 0) {
      zeros.clear().limit((int) Math.min(len, zeros.capacity()));
      int w = channel.write(zeros, off);
      off += w;
      len -= w;
    }
  }

  @Override
  public synchronized void reset() {
    queues = List.of();
    interrupt = null;
  }

  @Override
  public synchronized void close() {
    reset();
    try {
      channel.close();
    } catch (IOException e) {
      log.warn("closing {}: {}", path, e.getMessage());
    }
    if (holes != null) {
      holes.close();
    }
  }

  @Override
  public String toString() {
    return "virtio-blk(" + path + (readOnly ? ", ro" : "") + ")";
  }
}
