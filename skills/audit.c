/* audit.c - the append-only audit log (JSON lines). Layer: skills. */
#include "skills/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct sk_audit {
    int fd;
    char *path;
    char *replica;
    pthread_mutex_t lock; /* one record at a time, so records never interleave */
};

err_code sk_audit_open(const char *path, const char *replica, struct sk_audit **ret,
                       struct err *e)
{
    *ret = NULL;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, ERR_IO, "cannot open audit log %s: %s", path, strerror(errno));
    /* A record cut short by a kill -9 (Linux stops a multi-page write at a fatal signal) was
     * never acknowledged, so nothing acted on it: cut the file back to its last whole line. */
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size > 0) {
        int rfd = open(path, O_RDONLY | O_CLOEXEC);
        off_t end = st.st_size;
        char chunk[4096];
        while (rfd >= 0 && end > 0) {
            off_t from = end > (off_t)sizeof chunk ? end - (off_t)sizeof chunk : 0;
            ssize_t n = pread(rfd, chunk, (size_t)(end - from), from);
            if (n <= 0)
                break;
            ssize_t k = n;
            while (k > 0 && chunk[k - 1] != '\n')
                k--;
            if (k > 0) {
                end = from + k;
                break;
            }
            end = from;
        }
        if (rfd >= 0)
            close(rfd);
        if (end != st.st_size && ftruncate(fd, end) != 0) {
            close(fd);
            return err_set(e, ERR_IO, "cannot repair audit log %s: %s", path, strerror(errno));
        }
    }
    struct sk_audit *a = xcalloc(1, sizeof *a);
    a->fd = fd;
    a->path = xstrdup(path);
    a->replica = xstrdup(replica ? replica : "");
    pthread_mutex_init(&a->lock, NULL);
    *ret = a;
    return ERR_OK;
}

void sk_audit_close(struct sk_audit *a)
{
    if (!a)
        return;
    close(a->fd);
    pthread_mutex_destroy(&a->lock);
    free(a->path);
    free(a->replica);
    free(a);
}

static void iso_now(char out[32])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

err_code sk_audit_write(struct sk_audit *a, const cJSON *record)
{
    if (!a)
        return ERR_OK;
    cJSON *line = cJSON_CreateObject();
    char when[32];
    iso_now(when);
    cJSON_AddStringToObject(line, "time", when);
    cJSON_AddStringToObject(line, "replica", a->replica);
    for (const cJSON *f = record ? record->child : NULL; f; f = f->next)
        cJSON_AddItemToObject(line, f->string, cJSON_Duplicate(f, 1));
    char *text = cJSON_PrintUnformatted(line);
    cJSON_Delete(line);
    size_t len = strlen(text);
    if (len + 1 > SK_AUDIT_RECORD_MAX) {
        /* Callers bound argument values; a record this large is a bug, but never drop it. */
        free(text);
        cJSON *cut = cJSON_CreateObject();
        cJSON_AddStringToObject(cut, "time", when);
        cJSON_AddStringToObject(cut, "replica", a->replica);
        const cJSON *keep[] = {cJSON_GetObjectItemCaseSensitive(record, "caller"),
                               cJSON_GetObjectItemCaseSensitive(record, "tool"),
                               cJSON_GetObjectItemCaseSensitive(record, "decision"),
                               cJSON_GetObjectItemCaseSensitive(record, "request_id")};
        for (size_t i = 0; i < ARRAY_LEN(keep); i++)
            if (keep[i])
                cJSON_AddItemToObject(cut, keep[i]->string, cJSON_Duplicate(keep[i], 1));
        cJSON_AddBoolToObject(cut, "truncated", 1);
        text = cJSON_PrintUnformatted(cut);
        cJSON_Delete(cut);
        len = strlen(text);
    }
    text = xrealloc(text, len + 2);
    text[len++] = '\n';
    text[len] = '\0';
    err_code rc = ERR_OK;
    pthread_mutex_lock(&a->lock);
    /* One write(2) per record: O_APPEND places it atomically at the end, and a process killed
     * with SIGKILL either wrote it or did not. A short write (disk full) is an error. */
    ssize_t w;
    do
        w = write(a->fd, text, len);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)len)
        rc = ERR_IO;
    pthread_mutex_unlock(&a->lock);
    free(text);
    return rc;
}
