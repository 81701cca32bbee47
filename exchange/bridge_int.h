/* What the bridge offers its own adapters (bridge_xjob.c), not the library's users. */
#ifndef S7_EXCHANGE_BRIDGE_INT_H
#define S7_EXCHANGE_BRIDGE_INT_H

#include <stdint.h>

#include "s7/exchange_bridge.h"

/* Job j (s7_bridge_add_job's index) is a GET or PUT of the job model: the read of its source
 * takes need_src bytes of one PDU, the write of its destination need_dst (s7_xjob_pdu_need on
 * the partner's side, s7_xjob_local_need on the local CPU's), as the instructions move their
 * areas in one request; a CPU that negotiated less fails the run with 1/4 pdu_exceeded
 * instead of the client splitting the request. */
void s7__bridge_job_whole(s7_bridge *b, int j, uint32_t need_src, uint32_t need_dst);

#endif
