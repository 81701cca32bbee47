/* s7load: the load generator's engine (gen.c) and the /proc readings (proc.c).
 *
 * One thread, epoll over every connection.  A target is an S7 server (COTP CR with rack 0
 * slot 1 PG TSAPs, Setup Communication asking PDU 960 and AmQ 8, replies decoded with
 * libs7's wire codec and checked against the DB1 pattern) or the floor's echo server (no
 * handshake, replies checked by size and PDU reference only). */
#ifndef S7LOAD_GEN_H
#define S7LOAD_GEN_H

#include <stddef.h>
#include <stdint.h>

#define GEN_DB 1
#define GEN_DB_LEN 65535u
#define GEN_SMALL_LEN 4u /* the 4-byte read */
#define GEN_PDU 960u     /* PDU asked for */
#define GEN_AMQ 8u       /* AmQ asked for */
#define GEN_CHUNK 942u   /* bytes per read at PDU 960 (960 - 18) */
#define GEN_CHUNKS ((GEN_DB_LEN + GEN_CHUNK - 1) / GEN_CHUNK) /* 70 requests per 64 KB read */
#define GEN_WCHUNK 932u /* bytes per write at PDU 960 (960 - 28), for the fill */
#define GEN_MAX_DEPTH 64u
#define GEN_MSG 256

/* The byte DB1 holds at offset i. */
#define GEN_PATTERN(i) ((uint8_t)((i)&0xFFu))

typedef struct gen_target {
    const char *name; /* for messages */
    char host[64];
    uint16_t port;
    int pid; /* the server process (for /proc), 0 if unknown */
    int s7;  /* 1: S7 server; 0: the floor's echo server */
} gen_target;

typedef struct gen_case {
    unsigned conns;   /* connections */
    unsigned depth;   /* requests in flight per connection */
    int big;          /* 0: 4-byte reads; 1: DB1's 65535 bytes in 942-byte reads */
    double warm, run; /* seconds */
} gen_case;

typedef struct gen_result {
    unsigned long long reqs;                    /* requests answered inside the window */
    unsigned long long bytes;                   /* data bytes they carried */
    double secs;                                /* the window */
    unsigned long long srv_ticks;               /* server process utime+stime over the window */
    unsigned long long self_ticks;              /* this process */
    unsigned long long busy_ticks, total_ticks; /* all CPUs (/proc/stat) */
    int srv_ticks_ok;
    unsigned long errors; /* wrong replies (the first is described in msg) */
    unsigned pdu, amq;    /* negotiated (S7 targets) */
    unsigned depth;       /* in flight per connection actually used */
    char msg[GEN_MSG];
} gen_result;

/* Measure one case against one target: open c->conns connections (handshake outside the
 * window), keep depth requests in flight on each for warm + run seconds, count the window.
 * Returns 0 (r filled; r->errors may be non-zero) or -1 when it could not run (r->msg). */
int gen_run(const gen_target *t, const gen_case *c, gen_result *r);

/* Write the DB1 pattern into an S7 target (932-byte writes, one at a time).  0 or -1. */
int gen_fill(const gen_target *t, char *msg);

/* Idle connections held open for the memory measurement. */
typedef struct gen_idle gen_idle;
gen_idle *gen_idle_new(const gen_target *t);
/* Open `more` further connections and complete CR/CC and setup on each (at most 256
 * handshakes at once).  *held gets the connections now open and set up in total, *refused
 * the ones the server closed (in total).  0, or -1 on a local failure (msg). */
int gen_idle_open(gen_idle *g, unsigned more, unsigned *held, unsigned *refused, char *msg);
/* Watch the held connections for wait_ms and count those the server closed meanwhile;
 * returns the number still held. */
unsigned gen_idle_settle(gen_idle *g, int wait_ms);
void gen_idle_free(gen_idle *g);

/* Blocking helpers (the greedy case, the fill).  A connected TCP socket to t (TCP_NODELAY,
 * send timeout 5 s; rcvbuf > 0 sets SO_RCVBUF before connect), or -1 (msg). */
int gen_dial(const gen_target *t, int rcvbuf, char *msg);
/* COTP CR/CC and Setup Communication on a dialled socket (nothing for the floor).  0/-1. */
int gen_handshake(const gen_target *t, int fd, unsigned *pdu, unsigned *amq, char *msg);
/* One whole TPKT frame into buf before the deadline (gen_now() seconds): its length, -2
 * when the deadline passed first, -1 when the connection failed or the frame is bad. */
int gen_recv_frame(int fd, uint8_t *buf, size_t cap, double deadline);
/* A one-item Read Var request frame for DB1 [off, off+len): its length (31) or -1. */
int gen_read_req(uint8_t *buf, size_t cap, uint16_t ref, uint32_t off, uint16_t len);
/* Check the reply to that request (the floor: its size and reference).  0 or -1 (msg). */
int gen_check_read(const gen_target *t, const uint8_t *f, size_t len, uint16_t ref, uint32_t off,
                   uint16_t n, char *msg);

/* ---------------------------------------------------------------- greedy.c
 * Case g: `conns` greedy connections (each with a small SO_RCVBUF) complete CR and setup,
 * then send 900-byte Read Var requests as fast as their sockets take them and never read
 * a reply, at most max_reqs each; meanwhile one well-behaved connection does 4-byte reads
 * one at a time and records each latency. */
#define GEN_GREEDY_LEN 900u
#define GEN_GREEDY_RCVBUF 4096

typedef struct gen_greedy_case {
    unsigned conns;    /* greedy connections */
    unsigned max_reqs; /* requests per greedy connection at most */
    double warm;       /* the well-behaved client alone first (not measured) */
    double run;        /* the window: greedy clients and the well-behaved one together */
} gen_greedy_case;

typedef struct gen_greedy_result {
    double *lat; /* seconds, one per request of the well-behaved client sent in the window
                  * and answered (malloc'd, the caller frees it) */
    size_t nlat;
    double slowest;          /* the longest of them */
    double slowest_at;       /* when it was sent, seconds into the window */
    double secs;             /* the window */
    int unanswered;          /* its last request got no answer within 5 s */
    int good_closed;         /* the server closed the well-behaved connection */
    unsigned greedy_up;      /* greedy connections set up */
    unsigned greedy_refused; /* not set up: refused, closed or not answered in the handshake */
    unsigned greedy_closed;  /* closed by the server during the window */
    unsigned greedy_capped;  /* sent all max_reqs requests */
    unsigned long long greedy_reqs;  /* greedy requests their sockets took */
    long rss0_kb;                    /* server VmRSS before the greedy clients sent anything */
    long rss_kb;                     /* at the end of the window */
    long peak_kb;                    /* VmHWM (reset before the window) or, when it could not be
                               * reset, the largest VmRSS sampled every 20 ms */
    int peak_hwm;                    /* 1: peak_kb is VmHWM */
    int kq_ok;                       /* the server's socket queues at the end of the window: */
    unsigned long long kq_tx, kq_rx; /* proc_tcp_queues() of its port */
    unsigned kq_socks;
    unsigned long long srv_ticks, self_ticks;   /* CPU of the server and of s7load, window */
    unsigned long long busy_ticks, total_ticks; /* all CPUs (/proc/stat), window */
    unsigned long errors; /* wrong replies to the well-behaved client (first in msg) */
    char msg[GEN_MSG];
    char note[GEN_MSG]; /* why the first greedy connection was not set up */
} gen_greedy_result;

/* 0 (r filled) or -1 when it could not run (the well-behaved connection could not be set up;
 * r->msg).  A server that refuses or closes greedy connections is a result, not a failure. */
int gen_greedy_run(const gen_target *t, const gen_greedy_case *c, gen_greedy_result *r);

/* ---------------------------------------------------------------- proc.c */
double gen_now(void);
/* utime + stime of a process (pid 0: this one) in clock ticks; 0 or -1. */
int proc_ticks(int pid, unsigned long long *ticks);
/* All CPUs: busy (not idle/iowait) and total ticks from /proc/stat; 0 or -1. */
int proc_machine(unsigned long long *busy, unsigned long long *total);
/* VmRSS of a process in KiB, -1 when unreadable. */
long proc_rss_kb(int pid);
/* VmHWM (peak VmRSS) of a process in KiB, -1 when unreadable. */
long proc_hwm_kb(int pid);
/* Reset a process's VmHWM to its VmRSS now (/proc/PID/clear_refs, "5"); 0 or -1. */
int proc_reset_hwm(int pid);
/* The kernel's queues of the TCP sockets with local port `port` (not the listener), from
 * /proc/net/tcp and tcp6: bytes sent and not yet acknowledged by the peer (tx: on loopback
 * the replies the peer's window has no room for) and bytes received and not yet read (rx),
 * and how many sockets.  0 or -1. */
int proc_tcp_queues(unsigned port, unsigned long long *tx, unsigned long long *rx, unsigned *socks);
/* Threads of a process (/proc/PID/status), -1 when unreadable. */
long proc_threads(int pid);
/* The soft "Max open files" of a process (/proc/PID/limits); -1 unknown, 0 unlimited. */
long proc_nofile(int pid);
/* Raise this process's RLIMIT_NOFILE to at least want (the hard limit too when allowed);
 * returns the soft limit now. */
long proc_raise_nofile(long want);
/* 1-, 5-, 15-minute load averages; 0 or -1. */
int proc_loadavg(double la[3]);

#endif
