/* s7bench: CPU placement.  With two or more CPUs the clients (the main thread) run on one
 * CPU and every server-side thread (the Snap7 server's, the floor's) on another, as if
 * client and PLC were two machines.  Left to the scheduler on a busy machine, a ping-pong
 * pair lands on one CPU in some runs and on two in others, and the one-at-a-time figures
 * jump by up to 3x between runs. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>

#include "bench.h"

int bench_cpu_client = -1;
int bench_cpu_server = -1;

int bench_pin_setup(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return -1;
    int found = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++) {
        if (!CPU_ISSET(cpu, &set))
            continue;
        if (found++ == 0)
            bench_cpu_client = cpu;
        else
            bench_cpu_server = cpu;
    }
    if (found < 2) {
        bench_cpu_client = bench_cpu_server = -1;
        return -1;
    }
    return 0;
}

static int pin(pthread_t th, int cpu)
{
    if (cpu < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(th, sizeof set, &set) == 0 ? 0 : -1;
}

int bench_pin_self(int cpu) { return pin(pthread_self(), cpu); }

int bench_pin_thread(unsigned long th, int cpu) { return pin((pthread_t)th, cpu); }
