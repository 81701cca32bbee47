/* s7bench: what the benchmark's C files share: the cases, the DB pattern, the clock, the
 * timed loop and the three measured sides (s7kit in ours.c, Snap7 via snap7_peer.h, the TCP
 * floor in floor.c). */
#ifndef S7BENCH_BENCH_H
#define S7BENCH_BENCH_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_DB 1
#define BENCH_DB_LEN 65535u
#define BENCH_TAG_LEN 4u        /* every scattered tag is a 4-byte read (DBD) */
#define BENCH_MULTI_N 20u       /* case c: items in one read */
#define BENCH_CYCLE_N 1000u     /* case e: tags in one cycle */
#define BENCH_CYCLE_STEP 64u    /* case e: one tag every 64 bytes */
#define BENCH_SNAP7_MAXVARS 20u /* Snap7's items per ReadMultiVars */
#define BENCH_DEPTH 8u          /* case b: jobs kept in flight */
#define BENCH_MSG 256

enum bench_case { CASE_A, CASE_B, CASE_C, CASE_D, CASE_E, CASE_COUNT };

/* The byte DB1 holds at offset i (a hash, so a read from a wrong offset is caught). */
uint8_t bench_pattern(uint32_t i);
/* The whole expected DB1 (BENCH_DB_LEN bytes), filled once by main. */
extern uint8_t bench_db[BENCH_DB_LEN];

/* Offsets of the scattered tags of case c (i < BENCH_MULTI_N) and case e (i < BENCH_CYCLE_N). */
uint32_t bench_multi_off(uint32_t i);
uint32_t bench_cycle_off(uint32_t i);

/* Monotonic seconds. */
double bench_now(void);

/* All n bytes sent on fd (again after EINTR; no SIGPIPE).  0, or -1 when the socket failed. */
int bench_send_all(int fd, const uint8_t *p, size_t n);
/* One whole TPKT frame read from fd into buf (cap bytes; again after EINTR).  Its length, or
 * -1 when the socket failed or the frame is no TPKT or longer than cap. */
int bench_read_frame(int fd, uint8_t *buf, size_t cap);

/* One operation of a case on one peer: performs it, checks the data against the pattern.
 * Returns 0 or -1 with a message in msg (BENCH_MSG bytes). */
typedef int (*bench_op_fn)(void *ctx, char *msg);

/* Runs op for warm seconds, then counts operations for run seconds (at least min_ops).
 * Returns 0 with *rate in operations per second, or -1 when an operation failed. */
int bench_measure(bench_op_fn op, void *ctx, double warm, double run, unsigned min_ops,
                  double *rate, char *msg);

/* ---------------------------------------------------------------- pin.c */

/* CPUs for the client thread and for server-side threads; -1 when not pinning. */
extern int bench_cpu_client;
extern int bench_cpu_server;
/* Picks the first two CPUs this process may use; -1 (and no pinning) with fewer. */
int bench_pin_setup(void);
/* Pin the calling thread / thread th (a pthread_t) to cpu; cpu < 0 does nothing. */
int bench_pin_self(int cpu);
int bench_pin_thread(unsigned long th, int cpu);

/* ---------------------------------------------------------------- machine load (common.c) */

/* CPU time counters from /proc (clock ticks): all CPUs busy, all CPUs total, this process. */
typedef struct bench_cpu {
    unsigned long long busy, total, self;
} bench_cpu;
/* 0, or -1 when /proc cannot be read. */
int bench_cpu_read(bench_cpu *c);
/* Share (0..1) of all CPUs' time between a and b that other processes used, or -1. */
double bench_cpu_others(const bench_cpu *a, const bench_cpu *b);

/* ---------------------------------------------------------------- the frames of a case */

/* The request and reply frame sizes (whole TPKT frames) one operation exchanges. */
typedef struct bench_script {
    size_t n, cap;
    uint32_t *req;
    uint32_t *rep;
    uint8_t *wire; /* the request frames back to back, when recorded (NULL otherwise) */
    size_t wire_len, wire_cap;
} bench_script;

int bench_script_add(bench_script *s, uint32_t req, uint32_t rep);
/* Append request frame bytes to s->wire. */
int bench_script_add_wire(bench_script *s, const uint8_t *frame, size_t len);
void bench_script_clear(bench_script *s);
void bench_script_free(bench_script *s);
/* The frames Snap7's client exchanges for a case at PDU size pdu (its plan is fixed:
 * one item per request for a DB read, 20 items per ReadMultiVars). */
int bench_script_snap7(bench_script *s, enum bench_case k, int pdu);

/* ---------------------------------------------------------------- floor.c */

/* A TCP ping-pong over 127.0.0.1 with TCP_NODELAY: a server thread answers each request
 * frame of the script with a reply frame of the scripted size, one at a time.  Returns 0
 * with *rate in scripts per second. */
int floor_measure(const bench_script *s, double warm, double run, double *rate, char *msg);

/* ---------------------------------------------------------------- raw.c */

/* The least a client can do (--raw): a hand-rolled connection replays the recorded request
 * frames of s (s->wire), depth requests in flight; stream (case b, one-frame scripts) keeps
 * depth always in flight.  Returns 0 with *rate in operations (replies when streaming) per
 * second. */
int raw_measure(const char *host, uint16_t port, uint16_t pdu, const bench_script *s,
                unsigned depth, int stream, double warm, double run, double *rate, char *msg);

/* ---------------------------------------------------------------- ours.c */

typedef struct ours ours;
int ours_connect(const char *host, uint16_t port, uint16_t pdu, ours **out, char *msg);
void ours_free(ours *o);
void ours_negotiated(const ours *o, unsigned *pdu, unsigned *amq);
/* Measure case k; the frames one operation exchanged are recorded into script (may be
 * NULL).  Returns 0 with *rate (operations per second) or -1. */
int ours_measure(ours *o, enum bench_case k, double warm, double run, double *rate,
                 bench_script *script, char *msg);

/* ---------------------------------------------------------------- snap7 side (s7bench.c) */

typedef struct snap7_cli snap7_cli;
int snap7_side_measure(snap7_cli *c, enum bench_case k, double warm, double run, double *rate,
                       char *msg);

#endif
