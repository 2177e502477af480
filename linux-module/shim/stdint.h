/* stdint.h for include/wells.h inside the Linux kernel (which has no C library headers). */
#ifndef WELLS_SHIM_STDINT_H
#define WELLS_SHIM_STDINT_H
#include <linux/types.h>
#include <linux/limits.h>
#ifndef UINT32_MAX
#define UINT32_MAX U32_MAX
#endif
#endif
