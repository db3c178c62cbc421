package dev.sbx.vmm.hypervisor.x86_64;

/** A model-specific register index and value. */
public record Msr(int index, long value) {}
