package dev.sbx.proxy.server;

import dev.sbx.proxy.policy.Verdict;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The outcome of admitting one destination: allowed with the checked addresses to dial (in
 * order), denied with the verdict (403), or failed with an HTTP status (502/504) and reason.
 */
record Admission(Verdict verdict, List<InetSocketAddress> targets, boolean explicit, int status, String reason) {

  static Admission allowed(Verdict v, List<InetSocketAddress> targets, boolean explicit) {
    return new Admission(v, List.copyOf(targets), explicit, 200, null);
  }

  static Admission denied(Verdict v) {
    return new Admission(v, List.of(), false, 403, null);
  }

  static Admission failed(Verdict allowVerdict, int status, String reason) {
    return new Admission(allowVerdict, List.of(), false, status, reason);
  }

  boolean allowed() {
    return status == 200;
  }
}
