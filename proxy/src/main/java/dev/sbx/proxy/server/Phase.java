package dev.sbx.proxy.server;

/**
 * Where a client connection is in its current exchange ({@link ForwardHandler}). Requests are
 * handled one at a time, so these are mutually exclusive; every change goes through one of the
 * transition methods below. The usual round is IDLE, SENDING, WAITING, RESPONDING, IDLE. An
 * origin may answer before the request body has ended: SENDING, ANSWERED_EARLY, and after that
 * response the connection closes. TUNNEL and CLOSING only end with the connection (or, for
 * TUNNEL, with the handler's removal once the tunnel is up).
 */
enum Phase {
  /** Waiting for the next request head. */
  IDLE,
  /** The request head went upstream; its body is still arriving from the client. */
  SENDING,
  /** The response head went to the client while the request body was still arriving. */
  ANSWERED_EARLY,
  /** The request is complete upstream; no response head yet. */
  WAITING,
  /** The response head went to the client; its body is streaming down. */
  RESPONDING,
  /** A CONNECT is being admitted and dialled: nothing more on this connection is HTTP. */
  TUNNEL,
  /** The proxy's own answer, or a close, is on its way: everything further is dropped. */
  CLOSING;

  /** A request head was sent upstream (only ever from IDLE: anything else is refused first). */
  Phase headSent() {
    return this == IDLE ? SENDING : this;
  }

  /** The client's last body chunk arrived. */
  Phase requestComplete() {
    return switch (this) {
      case IDLE, SENDING -> WAITING;
      case ANSWERED_EARLY -> RESPONDING;
      case WAITING, RESPONDING, TUNNEL, CLOSING -> this;
    };
  }

  /** A final (non-1xx, or WebSocket 101) response head went to the client. */
  Phase responseStarted() {
    return switch (this) {
      case SENDING -> ANSWERED_EARLY;
      // IDLE: a response nobody asked for is still relayed, and is treated as awaited.
      case IDLE, WAITING -> RESPONDING;
      case ANSWERED_EARLY, RESPONDING, TUNNEL, CLOSING -> this;
    };
  }

  /** The response's last body chunk went to the client. */
  Phase responseComplete() {
    return switch (this) {
      case ANSWERED_EARLY -> SENDING;
      case WAITING, RESPONDING -> IDLE;
      case IDLE, SENDING, TUNNEL, CLOSING -> this;
    };
  }

  /** True while a request is in flight: another head now would be pipelining. */
  boolean busy() {
    return this == SENDING || this == ANSWERED_EARLY || this == WAITING || this == RESPONDING;
  }

  /** True once the request is complete upstream and its response has not ended: no reading meanwhile. */
  boolean awaitingResponse() {
    return this == WAITING || this == RESPONDING;
  }

  /** True once the client has a response head: the proxy can no longer answer with its own. */
  boolean responseSent() {
    return this == ANSWERED_EARLY || this == RESPONDING || this == CLOSING;
  }

  /** True when whatever the client sends is dropped unread. */
  boolean discarding() {
    return this == TUNNEL || this == CLOSING;
  }
}
