/* s7_item from a parsed tag (tag.h): the S7ANY spec of the tag as an item the planner
 * (conn/plan.c) and the engines read or write. */
#include <string.h>

#include "s7/tag.h"
#include "util/hot.h"

S7_HOT void s7_item_from_tag(s7_item *it, const s7_tag *t, void *buf)
{
    s7_var_spec s;
    s7_tag_spec(t, &s);
    memset(it, 0, sizeof *it);
    it->area = s.area;
    it->db = s.db;
    it->ts = s.ts;
    it->count = s.count;
    it->buf = buf;
    if (s.ts == S7_TS_BIT) {
        it->start = s.addr >> 3;
        it->bit = (uint8_t)(s.addr & 7u);
    } else if (s.ts == S7_TS_TIMER || s.ts == S7_TS_COUNTER) {
        it->start = s.addr;
    } else {
        it->start = s.addr >> 3;
    }
}
