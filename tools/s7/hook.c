/* Hook commands started with posix_spawn and reaped later: see hook.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hook.h"

extern char **environ;

static pid_t running[HOOK_MAX_RUNNING];
static int nrunning;

int hook_start(const char *cmd, const char *const *env, size_t n, int out_to_err)
{
    hook_reap(cmd, 0);
    if (nrunning >= HOOK_MAX_RUNNING) {
        fprintf(stderr, "warning: --on-change '%s': %d hooks still run; this one is skipped\n", cmd,
                nrunning);
        return -1;
    }
    size_t ne = 0;
    while (environ[ne])
        ne++;
    char **envp = calloc(ne + n + 1, sizeof *envp);
    if (!envp) {
        fprintf(stderr, "warning: --on-change '%s': out of memory\n", cmd);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < ne; i++) { /* ours replace inherited variables of the same name */
        const char *eq = strchr(environ[i], '=');
        size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
        int ours = 0;
        for (size_t j = 0; j < n && !ours; j++)
            ours = strncmp(env[j], environ[i], nl) == 0 && env[j][nl] == '=';
        if (!ours)
            envp[k++] = environ[i];
    }
    for (size_t j = 0; j < n; j++)
        envp[k++] = (char *)env[j];
    envp[k] = NULL;
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    pid_t pid;
    fflush(stdout);
    fflush(stderr);
    posix_spawnattr_t at;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP); /* its own group: hook_stop_all */
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawn_file_actions_init(&fa);
    if (out_to_err)
        posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
    int rc = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    free(envp);
    if (rc != 0) {
        fprintf(stderr, "warning: --on-change '%s' could not be started: %s\n", cmd, strerror(rc));
        return -1;
    }
    running[nrunning++] = pid;
    return 0;
}

int hook_reap(const char *cmd, long wait_ms)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        for (int i = 0; i < nrunning;) {
            int st = 0;
            pid_t r = waitpid(running[i], &st, WNOHANG);
            if (r == 0) {
                i++;
                continue;
            }
            if (r > 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
                fprintf(stderr, "warning: --on-change '%s' exited with status %d\n", cmd,
                        WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
            running[i] = running[--nrunning]; /* ended (or not ours any more) */
        }
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long ms = (long)(t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
        if (!nrunning || ms >= wait_ms)
            return nrunning;
        struct timespec slice = {0, 20 * 1000000L};
        nanosleep(&slice, NULL);
    }
}

int hook_stop_all(const char *cmd)
{
    int n = hook_reap(cmd, 0);
    for (int i = 0; i < nrunning; i++)
        kill(-running[i], SIGTERM);
    if (hook_reap(cmd, 2000) > 0)
        for (int i = 0; i < nrunning; i++)
            kill(-running[i], SIGKILL);
    hook_reap(cmd, 1000);
    return n;
}
