/* Hook commands run beside the program, not waited for (s7 inventory monitor --on-change):
 * a slow or hanging hook must not hold up the rounds, the metrics endpoint or --duration. */
#ifndef S7_TOOL_HOOK_H
#define S7_TOOL_HOOK_H

#include <stddef.h>

#define HOOK_MAX_RUNNING 16 /* more at once are skipped, with a warning */

/* Starts `/bin/sh -c cmd` with the environment plus the n NAME=VALUE strings of env, in a
 * process group of its own, its standard output on stderr when out_to_err (the program's
 * stdout carries JSON lines); does not wait.  0, or -1 with a warning on stderr (not
 * started, or too many still running). */
int hook_start(const char *cmd, const char *const *env, size_t n, int out_to_err);

/* Takes the hooks that ended (a warning for each that exited non-zero); with wait_ms > 0
 * waits up to that long for the others first.  Returns how many still run. */
int hook_reap(const char *cmd, long wait_ms);

/* Ends the hooks still running: SIGTERM to each one's process group, SIGKILL to what is
 * left after 2 s.  Returns how many there were. */
int hook_stop_all(const char *cmd);

#endif
