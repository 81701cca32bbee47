/* A small reader of packet captures for the tests: classic pcap and pcapng; Ethernet (VLAN
 * tags too), Linux cooked (SLL, SLL2) and raw IP link layers; IPv4 TCP.  Each TCP stream's
 * two directions are cut into TPKT frames (segments taken in capture order, retransmitted
 * bytes dropped; after bytes missing from the capture the direction resynchronises on the
 * next segment that starts a TPKT frame), COTP DT fragments are joined into S7 PDUs, and each
 * S7 request (Job, Userdata request) is paired with its answer: the first later PDU of the
 * other direction with the same PDU reference and a matching ROSCTR.
 *
 * Test code, not library code: it allocates freely and keeps everything until cap_free. */
#ifndef S7_TEST_CAPTURE_H
#define S7_TEST_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

enum { CAP_C2S = 0, CAP_S2C = 1 };

/* One message of a connection: a COTP frame (CR, CC, DR, ...) or an S7 PDU. */
typedef struct cap_msg {
    int dir;      /* CAP_C2S: from the client (the side that is not port 102) */
    uint32_t pkt; /* capture packet number (1-based) that completed it */
    uint8_t cotp; /* COTP PDU code: 0xE0 CR, 0xD0 CC, 0xF0 DT (an S7 PDU), 0x80 DR, ... */
    /* the TPKT frames as sent (a PDU's fragments, empty DTs before it included) */
    uint8_t *raw;
    size_t raw_len;
    /* DT: the S7 PDU joined from its fragments (NULL otherwise) */
    uint8_t *pdu;
    size_t len;
    int answer; /* a request: index of its answer in the connection, -1 for none */
    int is_req; /* a Job or a Userdata request from the client */
} cap_msg;

typedef struct cap_conn {
    uint8_t cli_ip[4], srv_ip[4];
    uint16_t cli_port, srv_port;
    cap_msg *msgs;
    size_t nmsgs, cap;
    unsigned resyncs; /* times bytes were missing and the reader resynchronised */
} cap_conn;

typedef struct capture {
    uint32_t packets; /* packets read */
    cap_conn *conns;
    size_t nconns;
} capture;

/* Read a capture file / image.  Returns 0, or -1 with a message in err (unknown format,
 * truncated file, unsupported link type, out of memory). */
int cap_load(capture *c, const char *path, char *err, size_t errcap);
int cap_parse(capture *c, const uint8_t *img, size_t n, char *err, size_t errcap);
void cap_free(capture *c);

/* S7 header fields of a PDU (0 when it is too short). */
uint8_t cap_rosctr(const uint8_t *pdu, size_t len);
uint16_t cap_ref(const uint8_t *pdu, size_t len);

#endif
