// The process-per-simulation runner: a child that succeeds, one that fails with a
// message, one that crashes, one that exits without a result, one that runs past its
// time limit: the parent reports each correctly and survives. And SystemC kernels
// elaborated in two children of one process, which one process alone cannot do.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>
#include <sys/wait.h>

#include "proc_state.h"

extern "C" {
#include "driver/runner.h"
#include "tessera/tessera.h"
#include "api/tessera_hw.h"
}

namespace
{

// A blob larger than a pipe's buffer (64 KiB on Linux), so that the parent must read
// while the child writes.
constexpr size_t kBlobBytes = 1 << 20;

void succeed(void *, tess_job_output *out)
{
    out->status = TESS_OK;
    std::snprintf(out->message, sizeof out->message, "done");
    auto *blob = static_cast<unsigned char *>(std::malloc(kBlobBytes));
    for (size_t i = 0; i < kBlobBytes; i++)
        blob[i] = static_cast<unsigned char>(i * 7 + 3);
    out->blob = blob;
    out->blob_len = kBlobBytes;
}

void fail(void *, tess_job_output *out)
{
    out->status = TESS_EINVAL;
    std::snprintf(out->message, sizeof out->message, "mesh.xml:12: bad things");
}

void crash(void *, tess_job_output *)
{
    std::raise(SIGSEGV);
}

void vanish(void *, tess_job_output *)
{
    _exit(7);
}

void hang(void *, tess_job_output *)
{
    for (;;)
        pause();
}

struct Probe {
    double clock_hz;
    uint64_t cycles;
};

void probe(void *arg, tess_job_output *out)
{
    auto *p = static_cast<Probe *>(arg);
    auto *res = static_cast<tess_hw_probe_result *>(std::malloc(sizeof(tess_hw_probe_result)));
    out->status =
        tess_hw_clock_probe(p->clock_hz, p->cycles, res, out->message, sizeof out->message);
    out->blob = res;
    out->blob_len = sizeof *res;
}

} // namespace

TEST(Runner, ChildThatSucceedsReturnsItsBlob)
{
    tess_run_result r;
    ASSERT_EQ(tess_run_isolated(succeed, nullptr, 30, &r), TESS_OK) << r.message;
    EXPECT_STREQ(r.message, "done");
    ASSERT_EQ(r.blob_len, kBlobBytes);
    auto *blob = static_cast<unsigned char *>(r.blob);
    size_t wrong = 0;
    for (size_t i = 0; i < kBlobBytes; i++)
        wrong += blob[i] != static_cast<unsigned char>(i * 7 + 3);
    EXPECT_EQ(wrong, 0u);
    EXPECT_EQ(r.exit_code, 0);
    tess_run_result_free(&r);
}

TEST(Runner, ChildThatFailsReportsItsMessage)
{
    tess_run_result r;
    EXPECT_EQ(tess_run_isolated(fail, nullptr, 30, &r), TESS_EINVAL);
    EXPECT_STREQ(r.message, "mesh.xml:12: bad things");
    EXPECT_EQ(r.blob, nullptr);
    tess_run_result_free(&r);
}

TEST(Runner, ChildThatCrashesIsReportedAndParentSurvives)
{
    tess_run_result r;
    EXPECT_EQ(tess_run_isolated(crash, nullptr, 30, &r), TESS_ECRASH);
    EXPECT_EQ(r.term_signal, SIGSEGV);
    EXPECT_NE(std::strstr(r.message, "signal 11"), nullptr) << r.message;
    tess_run_result_free(&r);
    // the parent goes on to run another child
    EXPECT_EQ(tess_run_isolated(fail, nullptr, 30, &r), TESS_EINVAL);
    tess_run_result_free(&r);
}

TEST(Runner, ChildThatExitsWithoutResultIsAnError)
{
    tess_run_result r;
    EXPECT_EQ(tess_run_isolated(vanish, nullptr, 30, &r), TESS_ECHILD);
    EXPECT_EQ(r.exit_code, 7);
    EXPECT_NE(std::strstr(r.message, "exited with code 7"), nullptr) << r.message;
    tess_run_result_free(&r);
}

TEST(Runner, ChildPastItsTimeLimitIsKilled)
{
    tess_run_result r;
    EXPECT_EQ(tess_run_isolated(hang, nullptr, 0.3, &r), TESS_ETIMEOUT);
    EXPECT_EQ(r.term_signal, SIGKILL);
    EXPECT_GE(r.wall_seconds, 0.3);
    EXPECT_LT(r.wall_seconds, 10.0);
    tess_run_result_free(&r);
}

// Issue 25: a child whose caller sets no limit still has one: TESSERA_CHILD_TIME_LIMIT,
// else 6 hours; the message says it was the default and how to change it.
TEST(Runner, ChildWithoutALimitGetsTheDefaultOne)
{
    ASSERT_EQ(unsetenv("TESSERA_CHILD_TIME_LIMIT"), 0);
    EXPECT_EQ(tess_child_time_limit(), 6 * 3600.0);
    ASSERT_EQ(setenv("TESSERA_CHILD_TIME_LIMIT", "7.2ks", 1), 0);
    EXPECT_EQ(tess_child_time_limit(), 7200.0);
    ASSERT_EQ(setenv("TESSERA_CHILD_TIME_LIMIT", "not a time", 1), 0);
    EXPECT_EQ(tess_child_time_limit(), 6 * 3600.0);
    ASSERT_EQ(setenv("TESSERA_CHILD_TIME_LIMIT", "0.3s", 1), 0);
    tess_run_result r;
    EXPECT_EQ(tess_run_isolated(hang, nullptr, 0, &r), TESS_ETIMEOUT);
    EXPECT_EQ(r.term_signal, SIGKILL);
    EXPECT_GE(r.wall_seconds, 0.3);
    EXPECT_LT(r.wall_seconds, 10.0);
    EXPECT_NE(std::strstr(r.message, "time limit of 0.3 s"), nullptr) << r.message;
    EXPECT_NE(std::strstr(r.message, "TESSERA_CHILD_TIME_LIMIT"), nullptr) << r.message;
    tess_run_result_free(&r);
    // a limit the caller gives wins over the default, and says nothing of it
    EXPECT_EQ(tess_run_isolated(hang, nullptr, 0.2, &r), TESS_ETIMEOUT);
    EXPECT_EQ(std::strstr(r.message, "TESSERA_CHILD_TIME_LIMIT"), nullptr) << r.message;
    tess_run_result_free(&r);
    // "0s": no limit at all (the child here finishes by itself)
    ASSERT_EQ(setenv("TESSERA_CHILD_TIME_LIMIT", "0s", 1), 0);
    EXPECT_EQ(tess_child_time_limit(), 0.0);
    EXPECT_EQ(tess_run_isolated(succeed, nullptr, 0, &r), TESS_OK) << r.message;
    tess_run_result_free(&r);
    ASSERT_EQ(unsetenv("TESSERA_CHILD_TIME_LIMIT"), 0);
}

TEST(Runner, SystemCKernelsElaborateOncePerChild)
{
    // The period on the 1 ps time base is round(1e12 / f): 1 GHz -> 1000 ps,
    // 1.5 GHz -> 667 ps (666.67 rounded). The last of N ticks fires at N periods.
    const Probe probes[] = {{1e9, 1000}, {1.5e9, 4096}, {700e6, 1}};
    const uint64_t periods[] = {1000, 667, 1429};
    for (int i = 0; i < 3; i++) {
        Probe p = probes[i];
        tess_run_result r;
        ASSERT_EQ(tess_run_isolated(probe, &p, 60, &r), TESS_OK) << r.message;
        ASSERT_EQ(r.blob_len, sizeof(tess_hw_probe_result));
        auto *res = static_cast<tess_hw_probe_result *>(r.blob);
        EXPECT_EQ(res->period_ps, periods[i]);
        EXPECT_EQ(res->ticks, p.cycles);
        EXPECT_EQ(res->end_ps, p.cycles * periods[i]);
        tess_run_result_free(&r);
    }
}

namespace
{

// In the simulation child: tell the test who it is (in a file: the runner closes inherited
// descriptors), then run forever.
void report_pid_and_hang(void *arg, tess_job_output *)
{
    const char *path = static_cast<const char *>(arg);
    const std::string tmp = std::string(path) + ".tmp";
    FILE *f = std::fopen(tmp.c_str(), "w");
    if (!f) _exit(9);
    std::fprintf(f, "%d\n", static_cast<int>(getpid()));
    std::fclose(f);
    std::rename(tmp.c_str(), path);
    for (;;)
        pause();
}

} // namespace

// Issue 25: SIGKILL of the parent `tessera` left its simulation child running with no
// limit. A parent (here a forked stand-in) that runs a child and is killed takes the
// child with it.
TEST(Runner, ChildDiesWhenItsParentIsKilled)
{
    const std::string path = ::testing::TempDir() + "runner-child-" + std::to_string(getpid());
    std::remove(path.c_str());
    const pid_t parent = fork();
    ASSERT_GE(parent, 0);
    if (parent == 0) { // the parent under test: runs a child that never finishes
        tess_run_result r;
        tess_run_isolated(report_pid_and_hang, const_cast<char *>(path.c_str()), 0, &r);
        _exit(0);
    }
    pid_t child = 0;
    for (int i = 0; i < 500 && child == 0; i++) { // up to 5 s for the child to start
        FILE *f = std::fopen(path.c_str(), "r");
        int id = 0;
        if (f && std::fscanf(f, "%d", &id) == 1) child = id;
        if (f) std::fclose(f);
        if (child == 0) usleep(10000);
    }
    std::remove(path.c_str());
    ASSERT_GT(child, 0);
    EXPECT_FALSE(process_gone(child));
    ASSERT_EQ(kill(parent, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(waitpid(parent, &status, 0), parent);
    bool dead = false;
    for (int i = 0; i < 500 && !dead; i++) { // up to 5 s
        dead = process_gone(child);
        if (!dead) usleep(10000);
    }
    EXPECT_TRUE(dead) << "simulation child " << child << " outlived its killed parent";
    if (!dead) kill(child, SIGKILL);
}

namespace
{

// In the simulation child: tries to take 1 GiB and says whether it got it.
void take_a_gibibyte(void *, tess_job_output *out)
{
    const size_t n = size_t(1) << 30;
    char *p = static_cast<char *>(std::malloc(n));
    if (p) std::memset(p, 1, n);
    out->status = p ? TESS_OK : TESS_ENOMEM;
    std::snprintf(out->message, sizeof out->message, "%s", p ? "got it" : "refused");
    std::free(p);
}

} // namespace

// Issue 25: sizes with no ceiling allocated until the machine swapped. A simulation child's
// address space is capped (TESSERA_CHILD_MEMORY, else 80% of the machine's memory): past
// it the child's allocation fails and the child reports it, alone.
TEST(Runner, ChildMemoryIsCapped)
{
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "AddressSanitizer needs the whole address space: no cap under it";
#endif
    ASSERT_EQ(setenv("TESSERA_CHILD_MEMORY", "256MiB", 1), 0);
    EXPECT_EQ(tess_child_memory_limit(), 256ull << 20);
    tess_run_result r;
    EXPECT_EQ(tess_run_isolated(take_a_gibibyte, nullptr, 60, &r), TESS_ENOMEM);
    EXPECT_STREQ(r.message, "refused");
    tess_run_result_free(&r);
    ASSERT_EQ(unsetenv("TESSERA_CHILD_MEMORY"), 0);
    EXPECT_GE(tess_child_memory_limit(), 256ull << 20); // 80% of this machine's memory
    EXPECT_EQ(tess_run_isolated(take_a_gibibyte, nullptr, 60, &r), TESS_OK) << r.message;
    tess_run_result_free(&r);
}
