/* keyfile.c - a shared secret kept in a file: read it, or create it (64 random hex digits,
 * mode 0600) the first time, so that restarts and replicas reading the same file agree.
 * Layer: base. */
#include "base/base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Create path with fresh key material. EEXIST (a racing replica made it first) is fine: the
 * caller reads whichever file won. */
static err_code create(const char *path, const char *what, struct err *e)
{
    unsigned char raw[32];
    char hex[66];
    random_bytes(raw, sizeof raw);
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    hex[64] = '\n';
    explicit_bzero(raw, sizeof raw);
    err_code rc = ERR_OK;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST) {
        rc = err_set(e, ERR_IO, "cannot create %s %s: %s", what, path, strerror(errno));
    } else if (fd >= 0) {
        int ok = write(fd, hex, 65) == 65 && fsync(fd) == 0;
        close(fd);
        if (!ok) {
            unlink(path);
            rc = err_set(e, ERR_IO, "cannot write %s %s", what, path);
        }
    }
    explicit_bzero(hex, sizeof hex);
    return rc;
}

err_code key_file_load(const char *path, const char *what, unsigned char *buf, size_t cap,
                       size_t min, size_t *ret_len, int *ret_flags, struct err *e)
{
    *ret_len = 0;
    *ret_flags = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        err_code rc = create(path, what, e);
        if (rc)
            return rc;
        *ret_flags |= KEY_FILE_CREATED;
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0)
        return err_set(e, ERR_IO, "cannot open %s %s: %s", what, path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) == 0 && (sb.st_mode & 077))
        *ret_flags |= KEY_FILE_LOOSE;
    size_t n = 0;
    ssize_t r;
    unsigned char extra;
    while (n < cap && (r = read(fd, buf + n, cap - n)) > 0)
        n += (size_t)r;
    int longer = n == cap && read(fd, &extra, 1) == 1;
    close(fd);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        n--;
    err_code rc = ERR_OK;
    if (longer)
        rc = err_set(e, ERR_INVALID, "%s %s is larger than %zu bytes", what, path, cap);
    else if (n < min)
        rc = err_set(e, ERR_INVALID,
                     "%s %s holds %zu bytes; it needs at least %zu bytes of key material "
                     "(delete it and skilld writes a new one)",
                     what, path, n, min);
    if (rc) {
        explicit_bzero(buf, cap);
        return rc;
    }
    *ret_len = n;
    return ERR_OK;
}
