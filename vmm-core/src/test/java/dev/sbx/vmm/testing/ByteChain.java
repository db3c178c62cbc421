package dev.sbx.vmm.testing;

import dev.sbx.vmm.virtio.ChainReader;
import dev.sbx.vmm.virtio.ChainWriter;
import dev.sbx.vmm.virtio.VirtioException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/** Chains over plain byte arrays, standing in for guest memory in device tests. */
public final class ByteChain {
  private ByteChain() {}

  public static final class Reader implements ChainReader {
    private final byte[] data;
    private int pos;

    public Reader(byte[] data) {
      this.data = data;
    }

    @Override
    public int remaining() {
      return data.length - pos;
    }

    @Override
    public void read(byte[] dst, int offset, int length) {
      if (length < 0 || length > remaining()) {
        throw new VirtioException("read past the chain");
      }
      System.arraycopy(data, pos, dst, offset, length);
      pos += length;
    }

    @Override
    public void skip(int length) {
      if (length < 0 || length > remaining()) {
        throw new VirtioException("skip past the chain");
      }
      pos += length;
    }

    @Override
    public long transferTo(FileChannel channel, long position, int length) throws IOException {
      if (length < 0 || length > remaining()) {
        throw new VirtioException("transfer past the chain");
      }
      int n = channel.write(ByteBuffer.wrap(data, pos, length), position);
      pos += n;
      return n;
    }
  }

  public static final class Writer implements ChainWriter {
    private final byte[] data;
    private int pos;

    public Writer(int capacity) {
      this.data = new byte[capacity];
    }

    @Override
    public int remaining() {
      return data.length - pos;
    }

    @Override
    public int written() {
      return pos;
    }

    @Override
    public void write(byte[] src, int offset, int length) {
      if (length > remaining()) {
        throw new VirtioException("write past the chain");
      }
      System.arraycopy(src, offset, data, pos, length);
      pos += length;
    }

    @Override
    public long transferFrom(FileChannel channel, long position, int length) throws IOException {
      if (length > remaining()) {
        throw new VirtioException("transfer past the chain");
      }
      int n = channel.read(ByteBuffer.wrap(data, pos, length), position);
      if (n <= 0) {
        return 0;
      }
      pos += n;
      return n;
    }

    /** What was written, from the chain's start. */
    public byte[] bytes() {
      return Arrays.copyOf(data, pos);
    }
  }
}
