package dev.sbx.vmm.hypervisor.x86_64;

/** GDTR or IDTR contents. */
public record DescriptorTable(long base, int limit) {}
