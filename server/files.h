/* Files the emulator writes (the state file, its journal, the audit log): which file a
 * path names (through symbolic and hard links, also before the file exists), what kind
 * of file it is, and opening one only when it is a regular file (a FIFO never blocks the
 * open).  Internal to libs7 (s7__ symbols); the public check is s7_retain_check_files. */
#ifndef S7_SERVER_FILES_H
#define S7_SERVER_FILES_H

#include <stddef.h>
#include <sys/types.h>

/* What a path names. */
typedef struct s7__fid {
    int exists;      /* the path names an existing file (symbolic links followed) */
    int link;        /* the path itself is a symbolic link */
    dev_t dev;       /* when it exists */
    ino_t ino;       /* when it exists */
    mode_t mode;     /* when it exists */
    char real[4096]; /* its absolute name, links resolved; for a file not there yet its
                        resolved directory and its name */
} s7__fid;

/* Fills id for path (never fails: what cannot be resolved stays as given). */
void s7__file_id(const char *path, s7__fid *id);

/* 1 when a and b name one file (the same device and inode, or, for files not there yet,
 * the same resolved name), else 0. */
int s7__file_same(const s7__fid *a, const s7__fid *b);

/* "a FIFO", "a directory", "a character device", "a block device", "a socket", "not a
 * regular file" for the other kinds; NULL for a regular file. */
const char *s7__file_kind(mode_t mode);

/* What would mend errno e from opening (write: for writing or creating) or renaming path:
 * "; give the user this server runs as write access to DIR, or ...", "; DIR is on a read-only
 * file system ...", "; the file system of DIR is full ...", "; make PATH readable ...", "; a
 * symbolic link on the path loops ..."; ""
 * when e says nothing a user can mend.  Written into buf (of size cap), which is returned. */
const char *s7__file_fix(int e, const char *path, int write, char *buf, size_t cap);

/* open(path, flags | O_NONBLOCK | O_CLOEXEC, mode) that accepts only a regular file: a
 * FIFO, device, socket or directory is closed again at once (O_NONBLOCK: a FIFO never
 * blocks the open) and refused.  O_NONBLOCK is cleared on the descriptor returned.
 * Returns the descriptor, or -1 with a message naming what (e.g. "the audit log"), path,
 * the reason and its fix (s7__file_fix) in err (errno is kept: ENOENT for a missing file,
 * EINVAL for a file of another kind). */
int s7__open_regular(const char *path, int flags, mode_t mode, const char *what, char *err,
                     size_t errcap);

#endif
