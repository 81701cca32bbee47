/* What the bridge offers its own adapters (bridge_xjob.c), not the library's users. */
#ifndef S7_EXCHANGE_BRIDGE_INT_H
#define S7_EXCHANGE_BRIDGE_INT_H

#include <stdint.h>

#include "s7/exchange_bridge.h"

/* Job j (s7_bridge_add_job's index) is a GET or PUT of the job model: its transfer with the
 * partner (the source when remote_is_src, else the destination) must fit one PDU of the
 * partner's, need bytes (s7_xjob_pdu_need), as the instructions' does; a partner that
 * negotiated less fails the run with 1/4 pdu_exceeded instead of the client splitting it. */
void s7__bridge_job_whole(s7_bridge *b, int j, uint32_t need_src, uint32_t need_dst);

#endif
