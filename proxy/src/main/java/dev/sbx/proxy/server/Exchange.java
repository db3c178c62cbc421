package dev.sbx.proxy.server;

import dev.sbx.proxy.policy.Destination;
import dev.sbx.proxy.policy.Verdict;

/** What the decision log records about one request or tunnel; filled in as it proceeds. */
final class Exchange {
  final String method;
  final Destination destination;
  final long startNanos = System.nanoTime();
  String mode;
  Verdict verdict;
  String address;
  String service;
  Integer status;
  String detail;
  /** Why an allowed tunnel was closed at the TLS check (SNI mismatch, not TLS). */
  String refused;
  long bytesUp;
  long bytesDown;

  Exchange(String method, Destination destination, String mode) {
    this.method = method;
    this.destination = destination;
    this.mode = mode;
  }
}
