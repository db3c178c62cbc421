package dev.sbx.vmm.virtio.transport.vhostuser;

/** Wire constants of the vhost-user protocol (QEMU docs/interop/vhost-user.rst). */
final class VhostUserProtocol {
  static final int HEADER_SIZE = 12;
  /** Largest payload we accept; the memory table (8 regions) is the biggest message we need. */
  static final int MAX_PAYLOAD = 4096;
  static final int VERSION = 1;
  static final int FLAG_REPLY = 1 << 2;
  static final int FLAG_NEED_REPLY = 1 << 3;

  static final int GET_FEATURES = 1;
  static final int SET_FEATURES = 2;
  static final int SET_OWNER = 3;
  static final int RESET_OWNER = 4;
  static final int SET_MEM_TABLE = 5;
  static final int SET_LOG_BASE = 6;
  static final int SET_LOG_FD = 7;
  static final int SET_VRING_NUM = 8;
  static final int SET_VRING_ADDR = 9;
  static final int SET_VRING_BASE = 10;
  static final int GET_VRING_BASE = 11;
  static final int SET_VRING_KICK = 12;
  static final int SET_VRING_CALL = 13;
  static final int SET_VRING_ERR = 14;
  static final int GET_PROTOCOL_FEATURES = 15;
  static final int SET_PROTOCOL_FEATURES = 16;
  static final int GET_QUEUE_NUM = 17;
  static final int SET_VRING_ENABLE = 18;
  static final int GET_CONFIG = 24;
  static final int SET_CONFIG = 25;

  /** Virtio feature bit the backend sets to say it speaks protocol features. */
  static final int F_PROTOCOL_FEATURES = 30;

  static final int PF_MQ = 0;
  static final int PF_REPLY_ACK = 3;
  static final int PF_CONFIG = 9;

  /** Bit 8 of a vring fd message: no descriptor attached. */
  static final long VRING_NOFD = 1L << 8;
  static final int MAX_MEM_REGIONS = 8;
  static final int MAX_CONFIG = 256;

  private VhostUserProtocol() {}
}
