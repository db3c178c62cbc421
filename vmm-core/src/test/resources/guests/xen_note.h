/* The Xen PVH entry note (ELF note type 18, XEN_ELFNOTE_PHYS32_ENTRY). */
.pushsection .note.Xen, "a", @note
  .balign 4
  .long 4
  .long 4
  .long 18
  .asciz "Xen"
  .balign 4
  .long pvh_start
  .balign 4
.popsection
