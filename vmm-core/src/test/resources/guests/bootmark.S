/* First instruction marks the boot timer (port 0x3f0, value 123), then the guest resets: for
 * measuring VMM start to first guest instruction. */
#include "common32.h"
#include "xen_note.h"
.code32
.globl pvh_start
pvh_start:
  mov $123, %al
  mov $0x3f0, %dx
  out %al, %dx
  call reset
