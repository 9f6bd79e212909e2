/* base.h - the leaf every layer of skilld may use: the error type, bounded buffers,
 * abort-on-OOM allocation and UTF-8 helpers. Nothing else belongs here. */
#ifndef SKILLD_BASE_H
#define SKILLD_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Errors ------------------------------------------------------------------------
 * One error type for the whole program. Fallible functions return an err_code and
 * write results through ret_* pointers; when they take a `struct err *` they also
 * describe the failure there. Libraries never log: server/ maps codes to HTTP statuses,
 * JSON error names and JSON-RPC codes in one table (srv_err in server/mcp/mcp.h). */
typedef enum err_code {
    ERR_OK = 0,
    ERR_INVALID,     /* bad input: a field is missing, of the wrong type or out of range */
    ERR_PARSE,       /* input is not well-formed (JSON, UTF-8, INI, ...) */
    ERR_TOO_BIG,     /* a size limit was hit before any work was done */
    ERR_NOT_FOUND,   /* the named thing does not exist */
    ERR_EXISTS,      /* the named thing exists already */
    ERR_WRONG_STATE, /* the thing exists but is in the wrong state for this */
    ERR_DENIED,      /* policy or authentication refused it */
    ERR_LIMIT,       /* a documented limit (quota, count, size) would be exceeded */
    ERR_RATE_LIMITED, /* too many requests in a window or at once: retry later */
    ERR_UNSUPPORTED, /* understood, but not supported here */
    ERR_TIMEOUT,     /* took too long */
    ERR_UNAVAILABLE, /* the service cannot take it now (stopping, overloaded): retry later */
    ERR_CANCELLED,   /* the caller cancelled it */
    ERR_IO,          /* file or socket failure */
    ERR_REMOTE,      /* a remote service answered with an error */
    ERR_INTERNAL,    /* a bug or an impossible state; stays last (tables are sized by it) */
} err_code;

#define ERR_MSG_MAX 512

/* A code plus a human message. The first detail wins: once a message is set, later
 * err_set calls keep it, so the innermost (most precise) cause is what the user sees. */
struct err {
    err_code code;         /* ERR_OK until something failed */
    char msg[ERR_MSG_MAX]; /* NUL-terminated, empty until set */
};

/* Reset *e to ERR_OK with an empty message. */
void err_clear(struct err *e);

/* Record a failure unless one is recorded already; returns `code` so callers can write
 * `return err_set(e, ERR_INVALID, "field 'query' is empty");`. e may be NULL. */
err_code err_set(struct err *e, err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The stable lowercase name of a code ("invalid", "too_big", ...). */
const char *err_name(err_code code);

/* ---- Memory -----------------------------------------------------------------------
 * Out of memory aborts the process with a message on stderr: no caller checks for
 * NULL. Sizes are checked for overflow. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string the caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* cJSON-compatible free (plain free). */
void xfree(void *p);

/* ---- Bounded buffers ---------------------------------------------------------------
 * A growable byte buffer with a hard maximum. Appending past `max` fails with
 * ERR_TOO_BIG and leaves the buffer as it was. data is always NUL-terminated
 * (the terminator is not counted in len), so a buffer of text can be used as a string. */
struct buf {
    char *data; /* owned; NULL until the first append */
    size_t len; /* bytes used, excluding the terminating NUL */
    size_t cap; /* bytes allocated */
    size_t max; /* hard limit on len; 0 means SIZE_MAX/2 */
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b); /* frees data; the buf may be reused after buf_init */
void buf_reset(struct buf *b);   /* len = 0, keeps the allocation */
err_code buf_append(struct buf *b, const void *p, size_t n);
err_code buf_puts(struct buf *b, const char *s);
err_code buf_putc(struct buf *b, char c);
err_code buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
err_code buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hand the data to the caller (who frees it); the buf is left empty. Never NULL. */
char *buf_steal(struct buf *b, size_t *ret_len);

/* ---- UTF-8 -------------------------------------------------------------------------*/

/* Decode one code point at s[*i] (len bytes in all); advances *i. Returns 0, or -1 on an
 * invalid or truncated sequence (then *i advances by one byte and *cp is U+FFFD). */
int utf8_decode(const char *s, size_t len, size_t *i, uint32_t *cp);
/* Encode cp into out (at least 4 bytes); returns the byte count (0 for an invalid cp). */
size_t utf8_encode(uint32_t cp, char *out);
/* 1 if s[0..len) is valid UTF-8 without NUL bytes and overlong forms, else 0. */
int utf8_valid(const char *s, size_t len);
/* Number of code points in valid UTF-8 (invalid bytes count one each). */
size_t utf8_count(const char *s, size_t len);
/* 1 for a CJK ideograph (Han), 0 otherwise. */
int utf8_is_cjk(uint32_t cp);

/* ---- Small helpers -----------------------------------------------------------------*/

/* Parse a whole decimal string into *ret within [min, max]; ERR_INVALID otherwise.
 * The replacement for atoi. */
err_code parse_long(const char *s, long min, long max, long *ret);
/* Constant-time comparison of two byte strings of length n: 0 when equal. */
int ct_memcmp(const void *a, const void *b, size_t n);
/* Monotonic clock in nanoseconds and wall clock in milliseconds since the epoch. */
uint64_t now_ns(void);
uint64_t now_wall_ms(void);
/* Fill buf with n cryptographically random bytes (getrandom); aborts if unavailable. */
void random_bytes(void *buf, size_t n);
/* A random UUIDv4 string into out (37 bytes incl. NUL). */
void uuid4(char out[37]);

/* ---- Key files ------------------------------------------------------------------------- */

enum { KEY_FILE_CREATED = 1, KEY_FILE_LOOSE = 2 };
/* Read the key material in path into buf (cap bytes; trailing white space dropped) and its
 * length into *ret_len. A missing file is created first with 64 random hex digits, mode 0600
 * (a racing creator's file wins). *ret_flags gets KEY_FILE_CREATED, and KEY_FILE_LOOSE when
 * group or others may read it. ERR_IO, or ERR_INVALID for a file shorter than min or longer
 * than cap; messages name `what` and the path, never the content. */
err_code key_file_load(const char *path, const char *what, unsigned char *buf, size_t cap,
                       size_t min, size_t *ret_len, int *ret_flags, struct err *e);

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
