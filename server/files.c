/* Files the emulator writes (files.h): identity through links, kind, opening only regular
 * files; and s7_retain_check_files (retain.h), which keeps the state file, its journal, its
 * temporary snapshot, the audit log and any other file an application names apart. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "s7/retain.h"
#include "server/files.h"

const char *s7__file_kind(mode_t mode)
{
    if (S_ISREG(mode))
        return NULL;
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

/* dir/name into out (name alone when dir is empty; cut to cap - 1 bytes). */
static void join(char *out, size_t cap, const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name), k = 0;
    int slash = dl && dir[dl - 1] != '/';
    for (size_t i = 0; i < dl && k + 1 < cap; i++)
        out[k++] = dir[i];
    if (slash && k + 1 < cap)
        out[k++] = '/';
    for (size_t i = 0; i < nl && k + 1 < cap; i++)
        out[k++] = name[i];
    if (cap)
        out[k] = 0;
}

/* The directory part of path ("." when none, "/" for the root). */
static void dir_of(char *out, size_t cap, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, cap, ".");
    else if (slash == path)
        snprintf(out, cap, "/");
    else
        snprintf(out, cap, "%.*s", (int)(slash - path), path);
}

void s7__file_id(const char *path, s7__fid *id)
{
    memset(id, 0, sizeof *id);
    snprintf(id->real, sizeof id->real, "%s", path);
    struct stat sb;
    if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode))
        id->link = 1;
    if (stat(path, &sb) == 0) {
        id->exists = 1;
        id->dev = sb.st_dev;
        id->ino = sb.st_ino;
        id->mode = sb.st_mode;
        char *rp = realpath(path, NULL);
        if (rp) {
            snprintf(id->real, sizeof id->real, "%s", rp);
            free(rp);
        }
        return;
    }
    /* Not there (yet): follow a chain of dangling links by hand (opening the path with
     * O_CREAT would create the file the last link names), then resolve the directory. */
    char cur[4096], next[4096], dir[4096];
    snprintf(cur, sizeof cur, "%s", path);
    for (int hops = 0; hops < 40; hops++) {
        if (lstat(cur, &sb) != 0 || !S_ISLNK(sb.st_mode))
            break;
        char target[4096];
        ssize_t n = readlink(cur, target, sizeof target - 1);
        if (n <= 0)
            break;
        target[n] = 0;
        if (target[0] == '/') {
            snprintf(next, sizeof next, "%s", target);
        } else {
            dir_of(dir, sizeof dir, cur);
            join(next, sizeof next, dir, target);
        }
        memcpy(cur, next, sizeof cur);
    }
    dir_of(dir, sizeof dir, cur);
    const char *slash = strrchr(cur, '/');
    const char *name = slash ? slash + 1 : cur;
    char *rp = realpath(dir, NULL);
    if (rp) {
        join(id->real, sizeof id->real, rp, name);
        free(rp);
    } else {
        snprintf(id->real, sizeof id->real, "%s", cur);
    }
}

int s7__file_same(const s7__fid *a, const s7__fid *b)
{
    if (a->exists && b->exists)
        return a->dev == b->dev && a->ino == b->ino;
    if (!a->exists && !b->exists)
        return strcmp(a->real, b->real) == 0;
    return 0;
}

static int errf(char *err, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int errf(char *err, size_t cap, const char *fmt, ...)
{
    if (err && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, cap, fmt, ap);
        va_end(ap);
    }
    return -1;
}

const char *s7__file_fix(int e, const char *path, int write, char *buf, size_t cap)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, "the current directory");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    const char *d = slash ? dir : ".";
    buf[0] = 0;
    if (e == EACCES || e == EPERM) {
        if (!write)
            snprintf(buf, cap,
                     "; make %s readable for the user this server runs as (chmod, chown), or "
                     "run it as a user that may read it",
                     path);
        else if (access(d, W_OK | X_OK) != 0)
            snprintf(buf, cap,
                     "; give the user this server runs as write access to %s (the file is "
                     "created or replaced there), or choose a path in a writable directory",
                     dir);
        else
            snprintf(buf, cap,
                     "; make %s writable for the user this server runs as (chmod, chown), or "
                     "choose another path",
                     path);
    } else if (e == ELOOP) {
        snprintf(buf, cap,
                 "; a symbolic link on the path loops (it leads back to itself): give the path "
                 "of the file itself, or mend the link (ls -l shows where each one points)");
    } else if (e == EROFS) {
        snprintf(buf, cap, "; %s is on a read-only file system: choose a path on a writable one",
                 dir);
    } else if (e == ENOSPC || e == EDQUOT) {
        snprintf(buf, cap,
                 "; the file system of %s is full (or the user's quota is used up): free some "
                 "space, or choose a path on another file system",
                 dir);
    }
    return buf;
}

int s7__open_regular(const char *path, int flags, mode_t mode, const char *what, char *err,
                     size_t errcap)
{
    int fd = open(path, flags | O_NONBLOCK | O_CLOEXEC, mode);
    struct stat sb;
    if (fd < 0) {
        int e = errno;
        const char *kind = stat(path, &sb) == 0 ? s7__file_kind(sb.st_mode) : NULL;
        if (kind) {
            errf(err, errcap,
                 "%s %s is %s, not a regular file: it must be a regular file of its own (a "
                 "FIFO, a device, a socket or a directory is refused)",
                 what, path, kind);
            errno = EINVAL;
        } else {
            char fix[4400];
            errf(err, errcap, "cannot open %s %s: %s%s", what, path, strerror(e),
                 s7__file_fix(e, path, (flags & O_ACCMODE) != O_RDONLY, fix, sizeof fix));
            errno = e;
        }
        return -1;
    }
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        errf(err, errcap, "cannot open %s %s: %s", what, path, strerror(e));
        errno = e;
        return -1;
    }
    const char *kind = s7__file_kind(sb.st_mode);
    if (kind) {
        close(fd);
        errf(err, errcap,
             "%s %s is %s, not a regular file: it must be a regular file of its own (a FIFO, a "
             "device, a socket or a directory is refused)",
             what, path, kind);
        errno = EINVAL;
        return -1;
    }
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
        int e = errno;
        close(fd);
        errf(err, errcap, "cannot open %s %s: %s", what, path, strerror(e));
        errno = e;
        return -1;
    }
    return fd;
}

/* ---------------------------------------------------------------- s7_retain_check_files */

enum { F_SNAPSHOT, F_JOURNAL, F_TMP, F_OTHER };

typedef struct fentry {
    int role;
    char label[600]; /* how the message names it: the option and the path */
    const char *path;
    s7__fid id;
} fentry;

int s7_retain_check_files(const char *state, const char *state_name, const char *const *paths,
                          const char *const *names, size_t n, char *err, size_t errcap)
{
    if (err && errcap)
        err[0] = 0;
    size_t total = (state && *state ? 3 : 0) + n;
    if (!total)
        return 0;
    fentry *f = calloc(total, sizeof *f);
    char *jname = NULL, *tname = NULL;
    if (state && *state) {
        size_t len = strlen(state);
        jname = malloc(len + 9);
        tname = malloc(len + 5);
    }
    if (!f || (state && *state && (!jname || !tname))) {
        free(f);
        free(jname);
        free(tname);
        return S7_ERR_NOMEM;
    }
    size_t k = 0;
    const char *sn = state_name && *state_name ? state_name : "the state file";
    if (state && *state) {
        sprintf(jname, "%s.journal", state);
        sprintf(tname, "%s.tmp", state);
        f[k].role = F_SNAPSHOT;
        f[k].path = state;
        snprintf(f[k].label, sizeof f[k].label, "%s %s", sn, state);
        k++;
        f[k].role = F_JOURNAL;
        f[k].path = jname;
        snprintf(f[k].label, sizeof f[k].label, "the journal of %s %s (%s)", sn, state, jname);
        k++;
        f[k].role = F_TMP;
        f[k].path = tname;
        snprintf(f[k].label, sizeof f[k].label,
                 "the file %s %s writes its snapshots to before renaming them (%s)", sn, state,
                 tname);
        k++;
    }
    for (size_t i = 0; i < n; i++) {
        if (!paths || !paths[i] || !*paths[i])
            continue;
        f[k].role = F_OTHER;
        f[k].path = paths[i];
        snprintf(f[k].label, sizeof f[k].label, "%s %s", names && names[i] ? names[i] : "the file",
                 paths[i]);
        k++;
    }
    int rc = 0;
    for (size_t i = 0; i < k; i++)
        s7__file_id(f[i].path, &f[i].id);
    /* Each file that exists must be a regular file (the temporary snapshot is removed at
     * open whatever it is, unless it is a directory). */
    for (size_t i = 0; i < k && !rc; i++) {
        const char *kind = f[i].id.exists ? s7__file_kind(f[i].id.mode) : NULL;
        if (kind && (f[i].role != F_TMP || S_ISDIR(f[i].id.mode))) {
            char via[4200] = "";
            if (f[i].id.link)
                snprintf(via, sizeof via, " (%s is a symbolic link to %s)", f[i].path,
                         f[i].id.real);
            errf(err, errcap, "%s is %s%s, not a regular file: %s", f[i].label, kind, via,
                 f[i].role == F_TMP ? "remove it; the store writes each new snapshot there"
                                    : "give a regular file of its own (a FIFO, a device, a "
                                      "socket or a directory is refused)");
            rc = S7_ERR_INVAL;
        }
    }
    /* Pairwise distinct, except the temporary snapshot among the store's own files (a
     * leftover is removed at open: a link there harms nothing). */
    for (size_t i = 0; i < k && !rc; i++)
        for (size_t j = i + 1; j < k && !rc; j++) {
            if (f[i].role == F_TMP && f[j].role != F_OTHER)
                continue;
            if (f[j].role == F_TMP && f[i].role != F_OTHER)
                continue;
            if (!s7__file_same(&f[i].id, &f[j].id))
                continue;
            char how[300] = "";
            if (f[i].id.exists && strcmp(f[i].id.real, f[j].id.real) != 0)
                snprintf(how, sizeof how, " (hard links to one file: device %llu, inode %llu)",
                         (unsigned long long)f[i].id.dev, (unsigned long long)f[i].id.ino);
            else if (f[i].id.link || f[j].id.link)
                snprintf(how, sizeof how, " (%s is a symbolic link to it)",
                         f[i].id.link ? f[i].path : f[j].path);
            /* the application's file first: it is the one to change */
            const fentry *x = f[j].role == F_OTHER ? &f[j] : &f[i];
            const fentry *y = x == &f[j] ? &f[i] : &f[j];
            errf(err, errcap,
                 "%s and %s are the same file, %s%s: what is written to one would corrupt the "
                 "other; give each a file of its own",
                 x->label, y->label, f[i].id.real, how);
            rc = S7_ERR_INVAL;
        }
    free(f);
    free(jname);
    free(tname);
    return rc;
}
