/* Unit tests for util/be.h: the big-endian stores write the most significant byte first and
 * touch no byte beyond their width; the loads read back what the stores wrote. */
#include <string.h>

#include "t.h"
#include "util/be.h"

int main(void)
{
    uint8_t b[6];
    memset(b, 0xEE, sizeof b);
    s7__put_be16(b + 1, 0x1234);
    CHECK_MEM(b, "\xEE\x12\x34\xEE\xEE\xEE", 6);
    s7__put_be16(b + 1, 0xABCDEF); /* only the low 16 bits */
    CHECK_MEM(b, "\xEE\xCD\xEF\xEE\xEE\xEE", 6);
    CHECK_INT(s7__be16(b + 1), 0xCDEF);

    memset(b, 0xEE, sizeof b);
    s7__put_be32(b + 1, 0x89ABCDEFu);
    CHECK_MEM(b, "\xEE\x89\xAB\xCD\xEF\xEE", 6);
    CHECK(s7__be32(b + 1) == 0x89ABCDEFu);
    CHECK_INT(s7__be16(b + 3), 0xCDEF);
    return t_done();
}
