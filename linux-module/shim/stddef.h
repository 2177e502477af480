/* stddef.h for include/wells.h inside the Linux kernel (which has no C library headers). */
#ifndef WELLS_SHIM_STDDEF_H
#define WELLS_SHIM_STDDEF_H
#include <linux/stddef.h>
#include <linux/types.h>
#endif
