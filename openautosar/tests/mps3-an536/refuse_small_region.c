/* refuse_small_region (Cortex-R52 only): StartOS's first dispatch must end the program with
 * status 3 and the port's message (refuse_small_region.oil); reaching the task is a failure. */
#include <stdio.h>

#include "Os.h"

ProtectionReturnType ProtectionHook(StatusType FatalError)
{
    (void)FatalError;
    return PRO_SHUTDOWN;
}

TASK(Driver)
{
    printf("not refused: the 32-byte region was accepted\n");
    ShutdownOS(E_OK); /* status 0: the suite wants 3 */
}

int main(void)
{
    StartOS(OSDEFAULTAPPMODE);
    return 2;
}
