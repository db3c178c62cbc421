package dev.sbx.vmm.virtio.vsock;

import java.io.IOException;
import java.nio.channels.ByteChannel;

/**
 * An in-process service for guest-initiated connections to one host port (the proxy, the session
 * layer). Called on a thread of its own per connection; closing the channel ends the connection.
 */
@FunctionalInterface
public interface VsockHandler {
  void handle(ByteChannel channel, int guestPort) throws IOException;
}
