package dev.sbx.vmm.hypervisor.x86_64;

/** A segment register's hidden state, in the shape hypervisor APIs take it. */
public record Segment(long base, int limit, int selector, int type, boolean present, int dpl,
    boolean db, boolean s, boolean l, boolean g, boolean avl, boolean unusable) {

  /**
   * Decodes a GDT descriptor as the CPU would load it with selector {@code selector}. The limit is
   * expanded to bytes when the granularity bit is set.
   */
  public static Segment fromGdtEntry(long entry, int selector) {
    long base = ((entry >>> 16) & 0xff_ffffL) | (((entry >>> 56) & 0xff) << 24);
    int rawLimit = (int) ((entry & 0xffff) | ((entry >>> 32) & 0xf_0000));
    boolean g = ((entry >>> 55) & 1) != 0;
    boolean present = ((entry >>> 47) & 1) != 0;
    return new Segment(base, g ? (rawLimit << 12) | 0xfff : rawLimit, selector,
        (int) ((entry >>> 40) & 0xf), present, (int) ((entry >>> 45) & 3),
        ((entry >>> 54) & 1) != 0, ((entry >>> 44) & 1) != 0, ((entry >>> 53) & 1) != 0, g,
        ((entry >>> 52) & 1) != 0, !present);
  }
}
