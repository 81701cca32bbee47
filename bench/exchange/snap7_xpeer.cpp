/* s7xbench: Snap7's WriteMultiVars behind a C function (the client class of snap7_peer.cpp). */
#include "snap7_xpeer.h"

#include "s7_client.h"

struct snap7_cli {
    TSnap7Client client; /* the same layout as in bench/snap7_peer.cpp */
};

extern "C" int snap7x_cli_write_multi(snap7_cli *c, int db, size_t n, const uint32_t *starts,
                                      const uint32_t *lens, uint8_t *const *bufs, int *bad_item)
{
    TS7DataItem items[MaxVars];
    *bad_item = -1;
    if (n > static_cast<size_t>(MaxVars))
        return -1;
    for (size_t i = 0; i < n; i++) {
        items[i].Area = S7AreaDB;
        items[i].WordLen = S7WLByte;
        items[i].Result = 0;
        items[i].DBNumber = db;
        items[i].Start = static_cast<int>(starts[i]);
        items[i].Amount = static_cast<int>(lens[i]);
        items[i].pdata = bufs[i];
    }
    int rc = c->client.WriteMultiVars(items, static_cast<int>(n));
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (items[i].Result != 0) {
            *bad_item = static_cast<int>(i);
            return items[i].Result;
        }
    return 0;
}
