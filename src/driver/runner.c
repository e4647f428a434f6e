/* Process-per-simulation runner: see runner.h.
 *
 * Wire format, child -> parent, native byte order (same machine):
 *   int32 status | uint32 message length | uint64 blob length | message | blob
 * The parent reads with poll() so that it can enforce the time limit, and reads
 * while the child writes so that a blob larger than the pipe buffer cannot block.
 */
#include "driver/runner.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/units.h"
#include "tessera/tessera.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Closes every descriptor the child inherited but its standard streams and `keep`. When
 * several threads run simulations at once, a child forked by one thread inherits the
 * pipes of the others: holding their write ends would keep their parents from seeing
 * end-of-file until this child exits (a finished simulation would wait, or time out). */
static void close_inherited_fds(int keep)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return;
    int fds[256], n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 256) {
        const int fd = atoi(e->d_name);
        if (fd > 2 && fd != keep && fd != dirfd(d)) fds[n++] = fd;
    }
    closedir(d);
    for (int i = 0; i < n; i++)
        close(fds[i]);
}

void tess_die_with_parent(pid_t parent)
{
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    if (getppid() != parent) _exit(4);
}

/* The quantity of dimension dim that environment variable name holds, when it is set,
 * parses and is at least min: 1 and *value; else 0. */
static int env_quantity(const char *name, unsigned dim, double min, double *value)
{
    const char *env = getenv(name);
    tess_quantity q;
    char err[256];
    if (!env || !*env || tess_parse_quantity(env, dim, &q, err, sizeof err) != 0 || q.value < min)
        return 0;
    *value = q.value;
    return 1;
}

uint64_t tess_child_memory_limit(void)
{
    double bytes;
    if (env_quantity("TESSERA_CHILD_MEMORY", TESS_DIM_SIZE, 1, &bytes)) return (uint64_t)bytes;
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page / 10 * 8 : 0;
}

double tess_child_time_limit(void)
{
    double seconds;
    return env_quantity("TESSERA_CHILD_TIME_LIMIT", TESS_DIM_TIME, 0, &seconds)
               ? seconds
               : TESS_CHILD_TIME_LIMIT_S;
}

/* The child's address space is capped (tess_child_memory_limit), so that a simulation
 * that grows without bound fails alone instead of taking the machine. Not under
 * AddressSanitizer, whose shadow memory needs the whole address space. */
static void limit_memory(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    return;
#endif
#endif
    const uint64_t bytes = tess_child_memory_limit();
    if (bytes == 0) return;
    const struct rlimit rl = {(rlim_t)bytes, (rlim_t)bytes};
    setrlimit(RLIMIT_AS, &rl);
}

static void child_main(int fd, tess_job_fn job, void *arg, pid_t parent)
{
    tess_die_with_parent(parent);
    limit_memory();
    close_inherited_fds(fd);
    tess_job_output out;
    memset(&out, 0, sizeof out);
    job(arg, &out);
    out.message[sizeof out.message - 1] = '\0';
    int32_t status = out.status;
    uint32_t msg_len = (uint32_t)strlen(out.message);
    uint64_t blob_len = out.blob ? out.blob_len : 0;
    int ok = write_all(fd, &status, sizeof status) == 0 &&
             write_all(fd, &msg_len, sizeof msg_len) == 0 &&
             write_all(fd, &blob_len, sizeof blob_len) == 0 &&
             write_all(fd, out.message, msg_len) == 0 &&
             (blob_len == 0 || write_all(fd, out.blob, (size_t)blob_len) == 0);
    free(out.blob);
    close(fd);
    /* _exit: the parent's atexit handlers and stdio buffers belong to the parent. */
    _exit(ok ? 0 : 3);
}

/* Growable receive buffer. */
typedef struct inbox {
    char *data;
    size_t len, cap;
} inbox;

static int inbox_read(inbox *b, int fd)
{
    if (b->cap - b->len < 65536) {
        size_t cap = b->cap ? 2 * b->cap : 131072;
        char *bigger = realloc(b->data, cap);
        if (!bigger) return -1;
        b->data = bigger;
        b->cap = cap;
    }
    ssize_t n = read(fd, b->data + b->len, b->cap - b->len);
    if (n < 0) return errno == EINTR ? 1 : -1;
    b->len += (size_t)n;
    return n == 0 ? 0 : 1;
}

static void decode(const inbox *b, tess_run_result *r)
{
    const size_t head = sizeof(int32_t) + sizeof(uint32_t) + sizeof(uint64_t);
    int32_t status;
    uint32_t msg_len;
    uint64_t blob_len;
    if (b->len < head) goto truncated;
    memcpy(&status, b->data, sizeof status);
    memcpy(&msg_len, b->data + 4, sizeof msg_len);
    memcpy(&blob_len, b->data + 8, sizeof blob_len);
    if (msg_len >= sizeof r->message || b->len != head + msg_len + blob_len) goto truncated;
    r->status = status;
    memcpy(r->message, b->data + head, msg_len);
    r->message[msg_len] = '\0';
    if (blob_len) {
        r->blob = malloc((size_t)blob_len);
        if (!r->blob) {
            r->status = TESS_ENOMEM;
            snprintf(r->message, sizeof r->message, "out of memory receiving a %llu-byte result",
                     (unsigned long long)blob_len);
            return;
        }
        memcpy(r->blob, b->data + head + msg_len, (size_t)blob_len);
        r->blob_len = (size_t)blob_len;
    }
    return;
truncated:
    r->status = TESS_ECHILD;
    snprintf(r->message, sizeof r->message,
             "simulation child sent an incomplete result (%zu bytes)", b->len);
}

int tess_run_isolated(tess_job_fn job, void *arg, double timeout_s, tess_run_result *r)
{
    memset(r, 0, sizeof *r);
    r->exit_code = -1;
    const int by_default = timeout_s <= 0;
    if (by_default) timeout_s = tess_child_time_limit();
    double start = now_seconds();
    int fds[2];
    if (pipe(fds) != 0) {
        r->status = TESS_ECHILD;
        snprintf(r->message, sizeof r->message, "pipe: %s", strerror(errno));
        return r->status;
    }
    fflush(NULL); /* so that buffered output is not written twice */
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        r->status = TESS_ECHILD;
        snprintf(r->message, sizeof r->message, "fork: %s", strerror(errno));
        return r->status;
    }
    if (pid == 0) {
        close(fds[0]);
        child_main(fds[1], job, arg, parent);
    }
    close(fds[1]);

    inbox in = {0};
    int timed_out = 0, read_failed = 0;
    for (;;) {
        int wait_ms = -1;
        if (timeout_s > 0) {
            double left = timeout_s - (now_seconds() - start);
            if (left <= 0) {
                timed_out = 1;
                break;
            }
            wait_ms = (int)(left * 1000.0) + 1;
        }
        struct pollfd pfd = {fds[0], POLLIN, 0};
        int ready = poll(&pfd, 1, wait_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) {
            read_failed = 1;
            break;
        }
        if (ready == 0) continue; /* the loop top sees the deadline */
        int got = inbox_read(&in, fds[0]);
        if (got == 0) break; /* EOF: the child closed its end */
        if (got < 0) {
            read_failed = 1;
            break;
        }
    }
    close(fds[0]);
    if (timed_out) kill(pid, SIGKILL);
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    r->wall_seconds = now_seconds() - start;

    if (WIFSIGNALED(wstatus)) r->term_signal = WTERMSIG(wstatus);
    if (WIFEXITED(wstatus)) r->exit_code = WEXITSTATUS(wstatus);
    if (timed_out) {
        r->status = TESS_ETIMEOUT;
        snprintf(r->message, sizeof r->message,
                 "simulation child ran past its time limit of %g s and was killed%s", timeout_s,
                 by_default ? " (the default limit: TESSERA_CHILD_TIME_LIMIT sets another)" : "");
    } else if (r->term_signal) {
        r->status = TESS_ECRASH;
        snprintf(r->message, sizeof r->message, "simulation child was killed by signal %d (%s)",
                 r->term_signal, strsignal(r->term_signal));
    } else if (read_failed) {
        r->status = TESS_ECHILD;
        snprintf(r->message, sizeof r->message, "reading the simulation child's result failed");
    } else if (r->exit_code != 0) {
        r->status = TESS_ECHILD;
        snprintf(r->message, sizeof r->message,
                 "simulation child exited with code %d without a result", r->exit_code);
    } else {
        decode(&in, r);
    }
    free(in.data);
    return r->status;
}

void tess_run_result_free(tess_run_result *r)
{
    free(r->blob);
    r->blob = NULL;
    r->blob_len = 0;
}
