/* s7 command line: a file given on the command line (a block to download, a block to send),
 * read whole or refused (common.h, cli_read_file). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

int cli_read_file(const char *what, const char *path, size_t max, uint8_t **out, size_t *len,
                  char *err, size_t cap)
{
    *out = NULL;
    *len = 0;
    /* O_NONBLOCK: a FIFO given as the file must not block the open; it is refused below */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        const char *fix = e == ENOENT || e == ENOTDIR
                              ? "give the path of an existing file (a relative path starts from "
                                "the current directory)"
                          : e == EACCES || e == EPERM
                              ? "make it readable for the user this runs as (chmod, chown), or "
                                "run as a user that may read it"
                          : e == ELOOP ? "a symbolic link on the path loops (it leads back to "
                                         "itself): give the path of the file itself, or mend the "
                                         "link (ls -l shows where each one points)"
                                       : "give the path of a readable file";
        snprintf(err, cap, "cannot read %s %s: %s: %s", what, path, strerror(e), fix);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        const char *kind = S_ISDIR(st.st_mode)                          ? "a directory"
                           : S_ISFIFO(st.st_mode)                       ? "a FIFO"
                           : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                           : S_ISSOCK(st.st_mode)                       ? "a socket"
                                                                        : "not a regular file";
        close(fd);
        snprintf(err, cap,
                 "cannot read %s %s: it is %s: only a regular file is read (a FIFO, a device "
                 "or a directory is refused): give the path of a file",
                 what, path, kind);
        return -1;
    }
    /* a file larger than max is read to max + 1 bytes: the caller words the limit */
    size_t want = (unsigned long long)st.st_size > max ? max + 1 : (size_t)st.st_size;
    uint8_t *b = malloc(want ? want : 1);
    if (!b) {
        close(fd);
        snprintf(err, cap, "cannot read %s %s: out of memory", what, path);
        return -1;
    }
    size_t n = 0;
    int rerr = 0;
    while (n < want) {
        ssize_t r = read(fd, b + n, want - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rerr = errno;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n != want) {
        free(b);
        snprintf(err, cap,
                 "cannot read %s %s: %s (nothing of it is used): give a file that stays as it is "
                 "while s7 reads it",
                 what, path, rerr ? strerror(rerr) : "it got shorter while it was read");
        return -1;
    }
    *out = b;
    *len = n;
    return 0;
}
