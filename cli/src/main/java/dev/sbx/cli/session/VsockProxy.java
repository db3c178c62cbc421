package dev.sbx.cli.session;

import com.jcraft.jsch.Proxy;
import com.jcraft.jsch.SocketFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.channels.SocketChannel;

/** JSch's transport replaced by a guest vsock stream: SSH reaches the guest with no TCP at all. */
public final class VsockProxy implements Proxy {
  /** Opens the stream; called once when JSch connects. */
  public interface Opener {
    SocketChannel open() throws IOException;
  }

  private final Opener opener;
  private SocketChannel channel;
  private InputStream in;
  private OutputStream out;

  VsockProxy(Opener opener) {
    this.opener = opener;
  }

  @Override
  public void connect(SocketFactory factory, String host, int port, int timeout) throws IOException {
    channel = opener.open();
    in = ChannelStreams.in(channel);
    out = ChannelStreams.out(channel);
  }

  @Override
  public InputStream getInputStream() {
    return in;
  }

  @Override
  public OutputStream getOutputStream() {
    return out;
  }

  @Override
  public Socket getSocket() {
    return null;
  }

  @Override
  public void close() {
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException e) {
      // closing a dead stream: nothing left to release
    }
  }
}
