/* s7 inventory check: each documented connection live (placeholder until the doctor of the
 * diag library is built into libs7). */
#include <stdio.h>

#include "common.h"
#include "inventory.h"

int inv_cmd_check(const inv_plant *p, const inv_opts *o)
{
    (void)p;
    (void)o;
    fprintf(stderr, "error: s7 inventory check is not available yet (it runs the doctor of the "
                    "diag library)\n");
    return CLI_FAIL;
}
