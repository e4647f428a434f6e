/* tessera sweep SPACE [-j N] [-o results.csv] [--set name=value]...: evaluate every point
 * of a design space; one CSV row per point, appended the moment the point finishes.
 *
 * Resumable: a rerun reads the CSV, skips the points it already holds, and cuts off a
 * torn last line (one without its newline) before appending. A row is written with one
 * write() on a descriptor opened O_APPEND and fsync'd, so an interruption (Ctrl-C,
 * kill, power loss) loses at most the rows of points still running. Failed points are
 * rows too, with their error. With -j N, N worker processes take every N-th point; under
 * mpirun (an MPI build), rank 0 hands points out to the other ranks as they ask. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "config/xml_document.h"
#include "driver/runner.h"
#include "driver/space.h"
#include "config/fidelity.h"
#include "tessera/tessera.h"

static const char usage[] =
    "usage: tessera sweep SPACE [-j N] [-o results.csv] [--progress | --quiet] [--repair] "
    "[--set name=value]...\n"
    "  evaluates every point of the design space (format: spaces/README.md); a rerun\n"
    "  skips the points already in results.csv (one sweep writes a file at a time; a file\n"
    "  holding a point twice is refused, --repair keeps each point's first row); a line per\n"
    "  finished point on stderr when it\n"
    "  is a terminal (--progress: always, --quiet: never); built with MPI, `mpirun -np N\n"
    "  tessera sweep ...` hands points out from rank 0 to the other ranks one at a time and\n"
    "  rank 0 writes every row (-j is then ignored)\n";

static int show_progress; /* a line per finished point on stderr */

static const char *const metric_names[] = {
    "iteration_time_s",  "tokens_per_s", "mfu",          "hfu",      "energy_j",
    "peak_memory_bytes", "power_w",      "peak_power_w", "cost_usd", "area_mm2"};
#define N_METRICS (sizeof metric_names / sizeof metric_names[0])

/* The header line for a space, with its trailing newline. */
static char *header_of(const tess_space *s)
{
    size_t n = 64;
    for (size_t k = 0; k < s->n_names; k++)
        n += strlen(s->names[k]) + 1;
    for (size_t k = 0; k < N_METRICS; k++)
        n += strlen(metric_names[k]) + 1;
    char *h = malloc(n);
    if (!h) return NULL;
    strcpy(h, "point");
    for (size_t k = 0; k < s->n_names; k++)
        strcat(strcat(h, ","), s->names[k]);
    strcat(h, ",status");
    for (size_t k = 0; k < N_METRICS; k++)
        strcat(strcat(h, ","), metric_names[k]);
    strcat(h, ",error\n");
    return h;
}

/* Appends text to a growable buffer. */
static void put(char **buf, size_t *len, size_t *cap, const char *text)
{
    size_t t = strlen(text);
    if (*len + t + 1 > *cap) {
        *cap = 2 * (*len + t + 1);
        *buf = realloc(*buf, *cap);
    }
    memcpy(*buf + *len, text, t + 1);
    *len += t;
}

/* A CSV field: quoted when it holds a comma, quote or line break (line breaks become
 * blanks so that a row stays one line). */
static void put_field(char **buf, size_t *len, size_t *cap, const char *text)
{
    int quote = strpbrk(text, ",\"\n\r") != NULL;
    if (quote) put(buf, len, cap, "\"");
    for (const char *c = text; *c; c++) {
        char one[3] = {*c == '\n' || *c == '\r' ? ' ' : *c, 0, 0};
        if (*c == '"') one[1] = '"';
        put(buf, len, cap, one);
    }
    if (quote) put(buf, len, cap, "\"");
}

/* The start of a point's row: "ID,VALUE...," (the status follows). */
static char *row_prefix(const tess_space *s, size_t point)
{
    char *row = NULL, num[64];
    size_t len = 0, cap = 0;
    snprintf(num, sizeof num, "%zu,", point);
    put(&row, &len, &cap, num);
    for (size_t k = 0; k < s->n_names; k++) {
        put_field(&row, &len, &cap, tess_space_value_of(s, point, k));
        put(&row, &len, &cap, ",");
    }
    return row;
}

/* Evaluates one point (the command line's overrides cli, n_cli, then the point's) and
 * returns its row, newline included (malloc'd). */
static char *evaluate_point(const tess_space *s, size_t point, char **cli, size_t n_cli)
{
    const char **ov = calloc(s->n_names + n_cli + 1, sizeof *ov);
    char **owned = calloc(s->n_names + 1, sizeof *owned);
    size_t n = 0, n_owned = 0;
    for (size_t i = 0; i < n_cli; i++)
        ov[n++] = cli[i];
    for (size_t k = 0; k < s->n_names; k++) {
        const char *value = tess_space_value_of(s, point, k);
        if (!value[0]) continue;
        size_t l = strlen(s->names[k]) + strlen(value) + 2;
        owned[n_owned] = malloc(l);
        snprintf(owned[n_owned], l, "%s=%s", s->names[k], value);
        ov[n++] = owned[n_owned++];
    }
    char *row = row_prefix(s, point), num[64];
    size_t len = strlen(row), cap = len + 1;
    tess_job *job = NULL;
    tess_evaluation *ev = NULL;
    char *error = NULL;
    int rc = tess_job_open(s->platform, s->workload, ov, n, &job, &error);
    if (rc == TESS_OK) {
        tess_eval_options opt = {TESS_API_VERSION, s->time_limit_s, TESS_FIDELITY_MIXED, 0,
                                 tess_mem_fidelity_api((tess_mem_fidelity)s->memory_fidelity)};
        rc = tess_evaluate(job, &opt, &ev, &error);
    }
    put(&row, &len, &cap, rc == TESS_OK ? "ok" : "error");
    for (size_t k = 0; k < N_METRICS; k++) {
        double v = 0;
        put(&row, &len, &cap, ",");
        if (rc == TESS_OK && tess_metric(ev, metric_names[k], &v) == TESS_OK) {
            snprintf(num, sizeof num, "%.9g", v);
            put(&row, &len, &cap, num);
        }
    }
    put(&row, &len, &cap, ",");
    if (rc != TESS_OK) {
        char msg[2048];
        int m = snprintf(msg, sizeof msg, "%s: %s", tess_strerror(rc), error ? error : "");
        for (m = m < (int)sizeof msg ? m : (int)sizeof msg - 1;
             m > 0 && isspace((unsigned char)msg[m - 1]); m--)
            msg[m - 1] = '\0';
        char joined[2304]; /* one message per line becomes "a; b" in one field */
        size_t j = 0;
        for (const char *c = msg; *c && j + 3 < sizeof joined; c++) {
            if (*c == '\n') {
                joined[j++] = ';';
                joined[j++] = ' ';
            } else {
                joined[j++] = *c;
            }
        }
        joined[j] = '\0';
        put_field(&row, &len, &cap, joined);
    }
    put(&row, &len, &cap, "\n");
    if (show_progress) {
        double t = 0;
        if (rc == TESS_OK) tess_metric(ev, "iteration_time_s", &t);
        if (rc == TESS_OK)
            fprintf(stderr, "tessera sweep: point %zu ok, iteration %.6g s\n", point, t);
        else
            fprintf(stderr, "tessera sweep: point %zu error: %s\n", point, tess_strerror(rc));
    }
    tess_free(error);
    tess_evaluation_free(ev);
    tess_job_close(job);
    for (size_t i = 0; i < n_owned; i++)
        free(owned[i]);
    free(owned);
    free(ov);
    return row;
}

/* Appends a row with one write() on the O_APPEND descriptor, then fsync: a row is on disk
 * whole or not at all. */
static void write_row(int fd, const char *row)
{
    const size_t len = strlen(row);
    if (write(fd, row, len) != (ssize_t)len) perror("tessera sweep: write");
    fsync(fd);
}

#ifdef TESS_HAVE_MPI
/* ---- beyond one machine: mpirun -np N tessera sweep ... -------------------------
 * Rank 0 keeps the CSV and hands out points one at a time to whichever rank asks; the
 * others evaluate them and send back their rows (so only rank 0 writes, on its machine).
 * A worker's message is its last row ("" at first); the answer is the next point id, or
 * -1 to stop. MPI starts only when a launcher started the process. */
#include <mpi.h>

enum { TAG_ROW = 1, TAG_POINT = 2, TAG_QUIT = 3 }; /* QUIT: a rank that cannot take points */

static int launched_by_mpirun(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE");
}

static void mpi_master(int ranks, const size_t *todo, size_t n_todo, int fd)
{
    size_t next = 0;
    int active = ranks - 1;
    while (active > 0) {
        MPI_Status st;
        int len = 0;
        MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        if (st.MPI_TAG == TAG_QUIT) {
            char none;
            MPI_Recv(&none, 0, MPI_CHAR, st.MPI_SOURCE, TAG_QUIT, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            active--;
            continue;
        }
        MPI_Get_count(&st, MPI_CHAR, &len);
        char *row = malloc((size_t)len + 1);
        MPI_Recv(row, len, MPI_CHAR, st.MPI_SOURCE, TAG_ROW, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        row[len] = '\0';
        if (len > 0 && fd >= 0) write_row(fd, row);
        free(row);
        long point = next < n_todo ? (long)todo[next++] : -1;
        if (point < 0) active--;
        MPI_Send(&point, 1, MPI_LONG, st.MPI_SOURCE, TAG_POINT, MPI_COMM_WORLD);
    }
}

static void mpi_worker(const tess_space *s, char **cli, size_t n_cli)
{
    char *row = NULL;
    for (;;) {
        MPI_Send(row ? row : "", row ? (int)strlen(row) : 0, MPI_CHAR, 0, TAG_ROW, MPI_COMM_WORLD);
        free(row);
        long point = -1;
        MPI_Recv(&point, 1, MPI_LONG, 0, TAG_POINT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (point < 0 || (size_t)point >= s->n_points) return;
        row = evaluate_point(s, (size_t)point, cli, n_cli);
    }
}
#endif

/* Rewrites `out` as `text` without the rows marked in drop[] (the second and later rows of
 * a point): into a new file first, then renamed over it, so that a kill leaves one or the
 * other whole. 0, or TESS_EXIT_FAILED with the message printed. */
static int rewrite_without(const char *out, const char *text, const char *drop)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.repair", out);
    FILE *f = fopen(tmp, "w");
    long row = 0;
    for (const char *line = text; f && *line; row++) {
        const char *nl = strchr(line, '\n');
        const size_t len = nl ? (size_t)(nl - line + 1) : strlen(line);
        if (!drop[row]) fwrite(line, 1, len, f);
        line += len;
    }
    const int ok = f && !ferror(f) && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f) fclose(f);
    if (!ok || rename(tmp, out) != 0) {
        fprintf(stderr, "tessera sweep: cannot repair %s: %s\n", out, strerror(errno));
        remove(tmp);
        return TESS_EXIT_FAILED;
    }
    return 0;
}

/* Reads the finished point ids of an existing CSV; cuts a torn last line. A point with two
 * rows (two writers, or a worker that outlived its sweep) is refused, or with `repair` its
 * first row is kept and the file rewritten (*repaired set). Returns 0, or an exit status
 * (message printed): TESS_EXIT_INVALID when the file belongs to another space or holds a
 * point twice, TESS_EXIT_FAILED when it cannot be truncated or rewritten. */
static int finished_points(const char *out, const char *header, const tess_space *s,
                           const char *kept, char *done, size_t *n_failed, int repair,
                           int *repaired)
{
    FILE *f = fopen(out, "r+");
    if (!f) return 0; /* a new file */
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    size_t got = fread(text, 1, (size_t)size, f);
    text[got] = '\0';
    fclose(f);
    size_t keep = got;
    while (keep > 0 && text[keep - 1] != '\n')
        keep--; /* a torn row has no newline */
    if (keep < got && truncate(out, (off_t)keep) != 0) {
        fprintf(stderr, "tessera sweep: cannot truncate %s: %s\n", out, strerror(errno));
        free(text);
        return TESS_EXIT_FAILED;
    }
    text[keep] = '\0';
    if (keep > 0 && strncmp(text, header, strlen(header)) != 0) {
        fprintf(stderr,
                "tessera sweep: %s holds results of another space (its header differs); "
                "choose another -o\n",
                out);
        free(text);
        return TESS_EXIT_INVALID;
    }
    /* a row counts for its point only when it holds the point's values: an edited space
     * (ids shifted by a new value) must not pass off old rows as its own; a row of a point
     * that an edited constraint now drops stays in the file and counts for nothing */
    int rc = 0;
    long row_no = 1;
    size_t twice = 0;
    char *drop = calloc(keep + 2, 1); /* per row: a later row of a point already seen */
    if (!drop) rc = TESS_EXIT_FAILED;
    for (char *line = keep ? strchr(text, '\n') : NULL; line && line[1] && rc == 0;
         line = strchr(line + 1, '\n')) {
        row_no++;
        char *end;
        unsigned long id = strtoul(line + 1, &end, 10);
        char *prefix =
            end != line + 1 && *end == ',' && id < s->n_points ? row_prefix(s, id) : NULL;
        if (!prefix || strncmp(line + 1, prefix, strlen(prefix)) != 0) {
            fprintf(stderr,
                    "tessera sweep: %s:%ld: this row is not point %lu of the space as it is now "
                    "(the space was edited?); choose another -o\n",
                    out, row_no, id);
            rc = TESS_EXIT_INVALID;
        } else if (!kept[id]) {
            /* not a point of the sweep any more */
        } else if (!done[id]) {
            done[id] = 1;
            if (n_failed && strncmp(line + 1 + strlen(prefix), "error,", 6) == 0) (*n_failed)++;
        } else if (repair) {
            drop[row_no - 1] = 1;
            twice++;
        } else {
            fprintf(stderr,
                    "tessera sweep: %s:%ld: point %lu has a row already (two sweeps wrote this "
                    "file?); rerun with --repair to keep each point's first row\n",
                    out, row_no, id);
            rc = TESS_EXIT_INVALID;
        }
        free(prefix);
    }
    if (rc == 0 && twice > 0) {
        rc = rewrite_without(out, text, drop);
        if (rc == 0) {
            fprintf(stderr, "tessera sweep: %s: repaired, %zu second rows of points removed\n", out,
                    twice);
            if (repaired) *repaired = 1;
        }
    }
    free(drop);
    free(text);
    return rc;
}

/* The output opened for appending (made when missing) and locked: one writer per output,
 * since a second sweep on the same file would cut or double its rows (the lock goes with
 * the descriptor to the workers, and goes away with the processes). The descriptor, or -1
 * with the reason printed. */
static int open_locked(const char *out)
{
    const int fd = open(out, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0) {
        fprintf(stderr, "tessera sweep: cannot open %s: %s\n", out, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr, "tessera sweep: %s is being written by another sweep (%s)\n", out,
                errno == EWOULDBLOCK ? "locked" : strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* The points a sweep evaluates: every id the constraints keep (*kept[id], *n_kept). A sweep
 * evaluates every point, so a space past TESS_MAX_SWEEP_POINTS ids is refused (the explorer
 * searches such spaces without enumerating them), and so is one whose constraints keep
 * nothing or cannot be evaluated at a point. 0, or an exit status with the message printed. */
static int points_to_sweep(const char *path, const tess_space *s, char **kept, size_t *n_kept)
{
    if (s->n_points > TESS_MAX_SWEEP_POINTS) {
        fprintf(stderr,
                "tessera sweep: %s: %zu points; a sweep evaluates every one and takes at most "
                "%u: narrow the space, or search it with tessera explore\n",
                path, s->n_points, TESS_MAX_SWEEP_POINTS);
        return TESS_EXIT_INVALID;
    }
    *kept = calloc(s->n_points + 1, 1);
    if (!*kept) return TESS_EXIT_FAILED;
    tess_diag diag;
    tess_diag_init(&diag);
    int rc = TESS_EXIT_OK;
    for (size_t i = 0; i < s->n_points && rc == TESS_EXIT_OK; i++) {
        const int k = tess_space_kept(s, i, &diag);
        if (k < 0) rc = tess_cli_report("sweep", path, TESS_EINVAL, &diag);
        (*kept)[i] = k > 0;
        *n_kept += k > 0;
    }
    tess_diag_free(&diag);
    if (rc == TESS_EXIT_OK && *n_kept == 0) {
        fprintf(stderr, "tessera sweep: %s: the constraints drop every one of its %zu points\n",
                path, s->n_points);
        rc = TESS_EXIT_INVALID;
    }
    return rc;
}

int tess_cmd_sweep(int argc, char **argv)
{
    tess_cli_args a;
    if (tess_cli_args_init(&a, argc) != 0) return TESS_EXIT_FAILED;
    const char *out = "results.csv";
    uint64_t jobs = 1;
    int repair = 0;
    show_progress = tess_cli_progress_default();
    const tess_cli_option opts[] = {
        {"-o", TESS_OPT_TEXT, &out, 0, NULL, 0, 0, 0},
        {"-j", TESS_OPT_COUNT, &jobs, 0, NULL, 1, 1024, 0}, /* also -j4, as make takes it */
        {"--progress", TESS_OPT_FLAG, &show_progress, 2, NULL, 0, 0, 0},
        {"--quiet", TESS_OPT_FLAG, &show_progress, 0, NULL, 0, 0, 0},
        {"--repair", TESS_OPT_FLAG, &repair, 1, NULL, 0, 0, 0},
        {NULL, TESS_OPT_FLAG, NULL, 0, NULL, 0, 0, 0}};
    int rc = tess_cli_parse(&a, argc, argv, opts, usage, 1);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc == TESS_CLI_HELP ? TESS_EXIT_OK : rc;
    }
    int rank = 0;
#ifdef TESS_HAVE_MPI
    int ranks = 1;
    if (launched_by_mpirun()) {
        MPI_Init(NULL, NULL);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    }
#endif
    tess_space s;
    memset(&s, 0, sizeof s);
    if (rc == TESS_EXIT_OK) {
        tess_diag diag;
        tess_diag_init(&diag);
        const int st = tess_space_load(a.path, &s, &diag);
        rc = rank == 0       ? tess_cli_report("sweep", a.path, st, &diag)
             : st == TESS_OK ? TESS_EXIT_OK
                             : TESS_EXIT_INVALID;
        tess_diag_free(&diag);
    }
#ifdef TESS_HAVE_MPI
    if (ranks > 1 && rank > 0) { /* a worker: evaluates what rank 0 hands out */
        char **cli = tess_cli_override_strings(&a);
        if (rc == TESS_EXIT_OK) {
            mpi_worker(&s, cli, a.n_overrides);
        } else { /* its copy of the inputs does not load (another machine?): it takes no points */
            fprintf(stderr, "tessera sweep: rank %d cannot load %s: it takes no points\n", rank,
                    a.path);
            MPI_Send("", 0, MPI_CHAR, 0, TAG_QUIT, MPI_COMM_WORLD);
        }
        tess_cli_override_strings_free(cli, a.n_overrides);
        tess_space_free(&s);
        tess_cli_args_free(&a);
        MPI_Finalize();
        return TESS_EXIT_OK;
    }
#endif
    if (rc != TESS_EXIT_OK) {
#ifdef TESS_HAVE_MPI
        if (ranks > 1) mpi_master(ranks, NULL, 0, -1); /* release the workers */
        if (ranks > 1 || launched_by_mpirun()) MPI_Finalize();
#endif
        tess_cli_args_free(&a);
        return rc;
    }
    char *kept = NULL;
    size_t n_kept = 0;
    rc = points_to_sweep(a.path, &s, &kept, &n_kept);
    char *header = header_of(&s);
    char *done = calloc(s.n_points + 1, 1);
    /* locked from before the finished rows are read */
    int fd = rc == TESS_EXIT_OK ? open_locked(out) : -1;
    if (rc == TESS_EXIT_OK && fd < 0) rc = TESS_EXIT_FAILED;
    int repaired = 0;
    if (rc == TESS_EXIT_OK)
        rc = finished_points(out, header, &s, kept, done, NULL, repair, &repaired);
    if (rc == TESS_EXIT_OK && repaired) { /* the repaired file is a new one: lock it instead */
        close(fd);
        if ((fd = open_locked(out)) < 0) rc = TESS_EXIT_FAILED;
    }
    size_t before = 0;
    for (size_t i = 0; i < s.n_points; i++)
        before += done[i];
    if (rc == TESS_EXIT_OK && lseek(fd, 0, SEEK_END) == 0) {
        if (write(fd, header, strlen(header)) != (ssize_t)strlen(header)) rc = TESS_EXIT_FAILED;
        fsync(fd);
    }
    size_t *todo = calloc(n_kept + 1, sizeof *todo), n_todo = 0;
    for (size_t i = 0; rc == TESS_EXIT_OK && i < s.n_points; i++)
        if (kept[i] && !done[i]) todo[n_todo++] = i;
#ifdef TESS_HAVE_MPI
    if (ranks > 1) { /* rank 0 hands out points (all of them, or none after an error) */
        mpi_master(ranks, todo, rc == TESS_EXIT_OK ? n_todo : 0, fd);
        jobs = 0; /* no local workers */
    }
#endif
    if (rc == TESS_EXIT_OK) {
        fflush(NULL);
        pid_t *workers = calloc(jobs + 1, sizeof *workers);
        const pid_t self = getpid();
        for (uint64_t w = 0; w < jobs && w < n_todo; w++) {
            workers[w] = fork();
            if (workers[w] == 0) {
                tess_die_with_parent(self); /* no orphaned worker appends rows */
                char **cli = tess_cli_override_strings(&a);
                for (size_t i = w; i < n_todo; i += jobs) {
                    char *row = evaluate_point(&s, todo[i], cli, a.n_overrides);
                    write_row(fd, row);
                    free(row);
                }
                tess_cli_override_strings_free(cli, a.n_overrides);
                _exit(0);
            }
        }
        int failed_workers = 0;
        for (uint64_t w = 0; w < jobs && w < n_todo; w++) {
            int st = 0;
            if (workers[w] > 0 && waitpid(workers[w], &st, 0) > 0 &&
                !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
                failed_workers++;
        }
        free(workers);
        /* count the outcome from the file itself */
        char *again = calloc(s.n_points + 1, 1);
        size_t now = 0, n_failed = 0;
        finished_points(out, header, &s, kept, again, &n_failed, 0, NULL);
        for (size_t i = 0; i < s.n_points; i++)
            now += again[i];
        free(again);
        char excluded[64] = "";
        if (n_kept < s.n_points)
            snprintf(excluded, sizeof excluded, " (%zu more excluded by constraints)",
                     s.n_points - n_kept);
        printf("%s: %zu points%s, %zu already in %s, %zu evaluated now, %zu failed%s\n", s.name,
               n_kept, excluded, before, out, now - before, n_failed,
               failed_workers ? " (a worker process died; rerun to finish)" : "");
        if (now < n_kept) rc = TESS_EXIT_FAILED;
    }
    if (fd >= 0) close(fd);
    free(todo);
    free(done);
    free(kept);
    free(header);
    tess_space_free(&s);
    tess_cli_args_free(&a);
#ifdef TESS_HAVE_MPI
    if (launched_by_mpirun()) MPI_Finalize();
#endif
    (void)rank;
    return rc;
}
