package dev.sbx.vmm.virtio.vsock;

import dev.sbx.vmm.virtio.ChainReader;
import dev.sbx.vmm.virtio.ChainWriter;
import dev.sbx.vmm.virtio.VirtioException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Chain streams over plain arrays, to drive the muxer and connections without virtqueues. */
final class Chains {
  private Chains() {}

  static final class Reader implements ChainReader {
    private final byte[] b;
    private int pos;

    Reader(byte[] b) {
      this.b = b;
    }

    @Override
    public int remaining() {
      return b.length - pos;
    }

    @Override
    public void read(byte[] dst, int offset, int length) {
      if (length < 0 || length > remaining()) {
        throw new VirtioException("short chain");
      }
      System.arraycopy(b, pos, dst, offset, length);
      pos += length;
    }

    @Override
    public void skip(int length) {
      read(new byte[length], 0, length);
    }

    @Override
    public long transferTo(FileChannel channel, long position, int length) {
      throw new UnsupportedOperationException();
    }
  }

  static final class Writer implements ChainWriter {
    final byte[] b;
    private int pos;

    Writer(int size) {
      b = new byte[size];
    }

    @Override
    public int remaining() {
      return b.length - pos;
    }

    @Override
    public int written() {
      return pos;
    }

    @Override
    public void write(byte[] src, int offset, int length) {
      if (length < 0 || length > remaining()) {
        throw new VirtioException("chain full");
      }
      System.arraycopy(src, offset, b, pos, length);
      pos += length;
    }

    @Override
    public long transferFrom(FileChannel channel, long position, int length) {
      throw new UnsupportedOperationException();
    }

    VsockHeader header() {
      return VsockHeader.parse(Arrays.copyOf(b, VsockHeader.SIZE));
    }
  }

  /** A packet from the guest (CID 3) to the host: header then payload, as the muxer gets them. */
  static void send(VsockMuxer m, VsockHeader h, byte[] payload) {
    synchronized (m) {
      m.fromGuest(h, new Reader(payload));
    }
  }

  static VsockHeader hdr(int srcPort, int dstPort, int op, int len, int bufAlloc, int fwdCnt) {
    return new VsockHeader(GuestVsock.CID, VsockDevice.HOST_CID, srcPort, dstPort, len, VsockHeader.TYPE_STREAM,
        op, 0, bufAlloc, fwdCnt);
  }

  /** Everything the muxer has for the guest now, in RX buffers of {@code room} bytes after the header. */
  static List<Writer> receive(VsockMuxer m, int room) {
    List<Writer> out = new ArrayList<>();
    synchronized (m) {
      for (int i = 0; i < 100_000 && m.hasRxPending(); i++) {
        Writer w = new Writer(VsockHeader.SIZE + room);
        m.writeRx(w);
        out.add(w);
      }
    }
    return out;
  }
}
