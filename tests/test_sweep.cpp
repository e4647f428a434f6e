// tessera sweep: a design space's points become CSV rows, one per point; failed points
// are rows with their error; -j N gives the same rows as -j 1; an interrupted sweep
// resumes without losing or repeating a point.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <signal.h>
#include <sstream>
#include <string>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <tessera/tessera.h>

#include "cli_run.h"
#include "proc_state.h"

namespace
{

std::string src(const char *rel)
{
    return std::string(TESS_SOURCE_DIR) + "/" + rel;
}

void spit(const std::string &path, const std::string &text)
{
    std::ofstream f(path, std::ios::binary);
    f << text;
}

std::vector<std::string> lines(const std::string &text)
{
    std::vector<std::string> v;
    std::stringstream s(text);
    for (std::string l; std::getline(s, l);)
        v.push_back(l);
    return v;
}

// Splits a row on commas (the rows these tests read have no quoted fields except the
// error, which is the last column and is kept whole).
std::vector<std::string> fields(const std::string &row, size_t n_before_error)
{
    std::vector<std::string> f;
    size_t at = 0;
    for (size_t k = 0; k < n_before_error; k++) {
        size_t c = row.find(',', at);
        f.push_back(row.substr(at, c - at));
        at = c + 1;
    }
    f.push_back(row.substr(at));
    return f;
}

// Rows by point id; fails the test when an id appears twice.
std::map<long, std::string> rows_by_id(const std::string &csv)
{
    std::map<long, std::string> m;
    std::vector<std::string> l = lines(csv);
    for (size_t i = 1; i < l.size(); i++) {
        long id = std::strtol(l[i].c_str(), nullptr, 10);
        EXPECT_EQ(m.count(id), 0u) << "point " << id << " appears twice";
        m[id] = l[i];
    }
    return m;
}

class Sweep : public ::testing::Test
{
  protected:
    std::string dir;
    void SetUp() override
    {
        char tmpl[] = "/tmp/tess-sweep-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    void TearDown() override { std::system(("rm -rf '" + dir + "'").c_str()); }

    // A space on the default platform and job.
    std::string space(const std::string &body, const std::string &name = "s.xml",
                      const std::string &attributes = "")
    {
        std::string path = dir + "/" + name;
        spit(path, "<space name=\"t\" platform=\"" + src("platforms/default.xml") +
                       "\" workload=\"" + src("workloads/default.xml") + "\"" + attributes + ">\n" +
                       body + "</space>\n");
        return path;
    }
};

const char *const grid_and_failure = "  <param name=\"model.layers\" values=\"8 16\"/>\n"
                                     "  <param name=\"workload.recompute\" values=\"none full\"/>\n"
                                     "  <point set=\"workload.tp=3\"/>\n";

} // namespace

TEST_F(Sweep, GridThenListedPointsOneRowEach)
{
    std::string s = space(grid_and_failure), out = dir + "/r.csv";
    CliRun r = tessera("sweep " + s + " -o " + out);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("5 points, 0 already in"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("1 failed"), std::string::npos) << r.output;
    std::vector<std::string> l = lines(read_text(out));
    ASSERT_EQ(l.size(), 6u);
    EXPECT_EQ(l[0], "point,model.layers,workload.recompute,workload.tp,status,iteration_time_s,"
                    "tokens_per_s,mfu,hfu,energy_j,peak_memory_bytes,power_w,peak_power_w,cost_usd,"
                    "area_mm2,error");
    // 2 x 2 grid, the first param varying slowest, then the listed point
    const char *const expect[][4] = {{"0", "8", "none", ""},
                                     {"1", "8", "full", ""},
                                     {"2", "16", "none", ""},
                                     {"3", "16", "full", ""},
                                     {"4", "", "", "3"}};
    std::map<long, std::string> rows = rows_by_id(read_text(out));
    ASSERT_EQ(rows.size(), 5u);
    for (long id = 0; id < 5; id++) {
        std::vector<std::string> f = fields(rows[id], 15);
        for (int k = 0; k < 4; k++)
            EXPECT_EQ(f[k], expect[id][k]) << rows[id];
        EXPECT_EQ(f[4], id == 4 ? "error" : "ok") << rows[id];
    }
    // the failed point says why, in its own row, with its metrics empty
    std::vector<std::string> bad = fields(rows[4], 15);
    for (int k = 5; k < 15; k++)
        EXPECT_EQ(bad[k], "") << rows[4];
    EXPECT_NE(bad[15].find("not divisible by tp 3"), std::string::npos) << rows[4];
    // ok points leave the error empty
    EXPECT_EQ(fields(rows[0], 15)[15], "");
}

TEST_F(Sweep, RowMatchesTheSameJobEvaluatedThroughTheApi)
{
    std::string s = space("  <point set=\"model.layers=8 workload.recompute=full\"/>\n"),
                out = dir + "/r.csv";
    ASSERT_EQ(tessera("sweep " + s + " -o " + out).status, 0);
    std::vector<std::string> f =
        fields(rows_by_id(read_text(out))[0], 14); // point,layers,recompute,status,...
    ASSERT_EQ(f[3], "ok");

    const char *ov[] = {"model.layers=8", "workload.recompute=full"};
    tess_job *job = nullptr;
    char *error = nullptr;
    ASSERT_EQ(tess_job_open(src("platforms/default.xml").c_str(),
                            src("workloads/default.xml").c_str(), ov, 2, &job, &error),
              TESS_OK)
        << (error ? error : "");
    tess_evaluation *ev = nullptr;
    tess_eval_options opt = {TESS_API_VERSION, 120, TESS_FIDELITY_PACKET, 0, TESS_MEMORY_BURST};
    ASSERT_EQ(tess_evaluate(job, &opt, &ev, &error), TESS_OK) << (error ? error : "");
    const char *names[] = {"iteration_time_s", "tokens_per_s",      "mfu",     "hfu",
                           "energy_j",         "peak_memory_bytes", "power_w", "peak_power_w",
                           "cost_usd",         "area_mm2"};
    for (int k = 0; k < 10; k++) {
        double v = 0;
        ASSERT_EQ(tess_metric(ev, names[k], &v), TESS_OK);
        char text[64];
        std::snprintf(text, sizeof text, "%.9g", v);
        EXPECT_EQ(f[4 + k], text) << names[k];
    }
    // 16 sequences x 2048 tokens per iteration, whatever the point
    EXPECT_NEAR(std::stod(f[5]) * std::stod(f[4]), 16 * 2048, 1e-3);
    tess_evaluation_free(ev);
    tess_job_close(job);
}

TEST_F(Sweep, MemoryFidelityOfTheSpaceIsEveryPointsOwn)
{
    // <space memory-fidelity="burst">: the row is the job evaluated with its memory in the
    // loop, not at the default rate (on the default platform the two differ 4x)
    const std::string path = dir + "/burst.xml", out = dir + "/r.csv";
    spit(path, "<space name=\"t\" memory-fidelity=\"burst\" platform=\"" +
                   src("platforms/default.xml") + "\" workload=\"" + src("workloads/default.xml") +
                   "\">\n  <point set=\"model.layers=8\"/>\n</space>\n");
    ASSERT_EQ(tessera("sweep " + path + " -o " + out).status, 0);
    std::vector<std::string> f = fields(rows_by_id(read_text(out))[0], 13);
    ASSERT_EQ(f[2], "ok");
    const char *ov[] = {"model.layers=8"};
    tess_job *job = nullptr;
    char *error = nullptr;
    ASSERT_EQ(tess_job_open(src("platforms/default.xml").c_str(),
                            src("workloads/default.xml").c_str(), ov, 1, &job, &error),
              TESS_OK);
    double t[2] = {0, 0};
    const tess_memory_fidelity mf[2] = {TESS_MEMORY_RATE, TESS_MEMORY_BURST};
    for (int i = 0; i < 2; i++) {
        tess_evaluation *ev = nullptr;
        tess_eval_options opt = {TESS_API_VERSION, 120, TESS_FIDELITY_MIXED, 0, mf[i]};
        ASSERT_EQ(tess_evaluate(job, &opt, &ev, &error), TESS_OK) << (error ? error : "");
        ASSERT_EQ(tess_metric(ev, "iteration_time_s", &t[i]), TESS_OK);
        tess_evaluation_free(ev);
    }
    tess_job_close(job);
    char text[64];
    std::snprintf(text, sizeof text, "%.9g", t[1]);
    EXPECT_EQ(f[3], text);
    EXPECT_GT(t[1], 2 * t[0]);
    // a name the schema does not list is refused at load
    spit(path, "<space name=\"t\" memory-fidelity=\"dram\" platform=\"" +
                   src("platforms/default.xml") + "\" workload=\"" + src("workloads/default.xml") +
                   "\">\n  <point set=\"model.layers=8\"/>\n</space>\n");
    CliRun bad = tessera("sweep " + path + " -o " + dir + "/bad.csv");
    EXPECT_EQ(bad.status, 1) << bad.output;
    EXPECT_NE(bad.output.find("memory-fidelity"), std::string::npos) << bad.output;
}

TEST_F(Sweep, ProgressLinesPerPointOnlyWhenAsked)
{
    std::string s = space(grid_and_failure), out = dir + "/r.csv";
    CliRun r = tessera("sweep " + s + " --progress -o " + out);
    ASSERT_EQ(r.status, 0) << r.output;
    for (int id = 0; id < 4; id++)
        EXPECT_NE(r.output.find("point " + std::to_string(id) + " ok, iteration "),
                  std::string::npos)
            << r.output;
    EXPECT_NE(r.output.find("point 4 error: invalid input"), std::string::npos) << r.output;
    std::system(("rm -f '" + out + "'").c_str());
    r = tessera("sweep " + s + " --quiet -o " + out);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output.find("point 0 ok"), std::string::npos) << r.output;
}

TEST_F(Sweep, ParallelWorkersGiveTheSameRows)
{
    std::string s = space(grid_and_failure), one = dir + "/one.csv", two = dir + "/two.csv";
    ASSERT_EQ(tessera("sweep " + s + " -j 1 -o " + one).status, 0);
    ASSERT_EQ(tessera("sweep " + s + " -j2 -o " + two).status, 0);
    EXPECT_EQ(rows_by_id(read_text(one)), rows_by_id(read_text(two)));
    EXPECT_EQ(lines(read_text(one))[0], lines(read_text(two))[0]);
}

#ifdef TESS_MPIEXEC
// Built with MPI: 3 ranks (rank 0 hands points out, two evaluate; more ranks than cores
// need --oversubscribe) give the same rows as -j 1, compared by point id
TEST_F(Sweep, MpiRanksGiveTheSameRows)
{
    std::string s = space(grid_and_failure), one = dir + "/one.csv", mpi = dir + "/mpi.csv";
    ASSERT_EQ(tessera("sweep " + s + " -j 1 -o " + one).status, 0);
    // (OpenMPI's own allocations at exit are not ours for LeakSanitizer to report)
    const std::string cmd =
        std::string("OMPI_MCA_mpi_warn_on_fork=0 ASAN_OPTIONS=detect_leaks=0 ") + TESS_MPIEXEC +
        " --oversubscribe --allow-run-as-root -np 3 " + TESS_BINARY + " sweep " + s + " -o " + mpi +
        " --quiet > " + dir + "/mpi.log 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << read_text(dir + "/mpi.log");
    EXPECT_EQ(rows_by_id(read_text(one)), rows_by_id(read_text(mpi)));
    EXPECT_EQ(lines(read_text(one))[0], lines(read_text(mpi))[0]);
    EXPECT_NE(read_text(dir + "/mpi.log").find("evaluated now"), std::string::npos);
}
#endif

TEST_F(Sweep, RerunSkipsFinishedPointsAndCutsATornRow)
{
    std::string s = space(grid_and_failure), out = dir + "/r.csv";
    ASSERT_EQ(tessera("sweep " + s + " -o " + out).status, 0);
    const std::string full = read_text(out);
    std::vector<std::string> l = lines(full);
    // keep the header and the first two rows, then half a row as a kill would leave it
    std::string cut = l[0] + "\n" + l[1] + "\n" + l[2] + "\n" + l[3].substr(0, l[3].size() / 2);
    spit(out, cut);
    CliRun r = tessera("sweep " + s + " -o " + out);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("5 points, 2 already in"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("3 evaluated now"), std::string::npos) << r.output;
    const std::string again = read_text(out);
    EXPECT_EQ(again.back(), '\n');
    EXPECT_EQ(lines(again).size(), 6u);
    EXPECT_EQ(rows_by_id(again), rows_by_id(full));
    // a third run has nothing left to do and changes nothing
    r = tessera("sweep " + s + " -o " + out);
    EXPECT_NE(r.output.find("0 evaluated now"), std::string::npos) << r.output;
    EXPECT_EQ(read_text(out), again);
}

TEST_F(Sweep, KilledMidSweepResumesWithEveryPointOnce)
{
    // 24 points of a few tens of milliseconds each (layers divide into the 4 stages)
    std::string s = space("  <param name=\"model.layers\" from=\"4\" to=\"48\" step=\"4\"/>\n"
                          "  <param name=\"workload.recompute\" values=\"selective full\"/>\n"),
                out = dir + "/r.csv";
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        setpgid(0, 0);
        execl(TESS_BINARY, TESS_BINARY, "sweep", s.c_str(), "-j", "2", "-o", out.c_str(),
              (char *)nullptr);
        _exit(127);
    }
    setpgid(pid, pid);
    // wait for the first rows, then kill the whole process group (the workers too)
    for (int i = 0; i < 2000 && lines(read_text(out)).size() < 4; i++)
        usleep(2000);
    kill(-pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    ASSERT_TRUE(WIFSIGNALED(st) || WIFEXITED(st));
    const size_t kept = lines(read_text(out)).size();
    ASSERT_GE(kept, 4u);  // the header and the rows seen before the kill
    ASSERT_LT(kept, 25u); // the kill came while points were left (each takes milliseconds)
    CliRun r = tessera("sweep " + s + " -o " + out);
    ASSERT_EQ(r.status, 0) << r.output;
    // the rows finished before the kill were kept and not evaluated again
    EXPECT_NE(r.output.find("24 points, " + std::to_string(kept - 1) + " already in"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find(std::to_string(24 - (kept - 1)) + " evaluated now"), std::string::npos)
        << r.output;
    std::map<long, std::string> rows = rows_by_id(read_text(out));
    ASSERT_EQ(rows.size(), 24u);
    for (long id = 0; id < 24; id++) {
        ASSERT_EQ(rows.count(id), 1u) << id;
        EXPECT_EQ(fields(rows[id], 4)[3], "ok") << rows[id];
    }
    // layers 4, 4, 8, 8, ... as the grid says
    EXPECT_EQ(fields(rows[23], 4)[1], "48");
    EXPECT_EQ(fields(rows[0], 4)[1], "4");
}

TEST_F(Sweep, TimedOutPointsAreErrorRowsAndTheSweepGoesOn)
{
    // no evaluation finishes within a nanosecond: every valid point is killed by its time
    // limit; the invalid one still fails fast on its input
    std::string path = dir + "/t.xml", out = dir + "/r.csv";
    spit(path, "<space name=\"t\" time-limit=\"1ns\" platform=\"" + src("platforms/default.xml") +
                   "\" workload=\"" + src("workloads/default.xml") + "\">\n" + grid_and_failure +
                   "</space>\n");
    CliRun r = tessera("sweep " + path + " -j 2 -o " + out);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("5 evaluated now, 5 failed"), std::string::npos) << r.output;
    std::map<long, std::string> rows = rows_by_id(read_text(out));
    ASSERT_EQ(rows.size(), 5u);
    for (long id = 0; id < 4; id++) {
        std::vector<std::string> f = fields(rows[id], 15);
        EXPECT_EQ(f[4], "error");
        EXPECT_NE(f[15].find("time limit"), std::string::npos) << rows[id];
    }
    EXPECT_NE(rows[4].find("not divisible by tp 3"), std::string::npos) << rows[4];
}

TEST_F(Sweep, PointsFileAddsColumnsAfterTheGrid)
{
    spit(dir + "/p.csv", "workload.tp,workload.pp\r\n2,8\r\n8,2\r\n");
    std::string s = space("  <param name=\"workload.recompute\" values=\"none full\"/>\n"
                          "  <points file=\"p.csv\"/>\n"),
                out = dir + "/r.csv";
    CliRun r = tessera("sweep " + s + " -o " + out);
    ASSERT_EQ(r.status, 0) << r.output;
    std::vector<std::string> l = lines(read_text(out));
    EXPECT_EQ(l[0].rfind("point,workload.recompute,workload.tp,workload.pp,status,", 0), 0u)
        << l[0];
    std::map<long, std::string> rows = rows_by_id(read_text(out));
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(fields(rows[1], 5),
              (std::vector<std::string>{"1", "full", "", "", "ok", fields(rows[1], 5)[5]}));
    EXPECT_EQ(fields(rows[3], 5)[1], "");
    EXPECT_EQ(fields(rows[3], 5)[2], "8");
    EXPECT_EQ(fields(rows[3], 5)[3], "2");
    EXPECT_EQ(fields(rows[3], 5)[4], "ok");
}

TEST_F(Sweep, ConstraintsDropPointsWithoutRenumberingTheOthers)
{
    // tp x pp over {1, 2, 4, 8, 16}^2 with tp * pp = 16 (the default platform's dies):
    // (1,16) (2,8) (4,4) (8,2) (16,1); of those, tp >= 4 keeps three. A point's id is its
    // place in the grid, tp slowest: 5 x (index of tp) + (index of pp).
    auto constrained = [&](const std::string &tp_at_least) {
        return space("  <param name=\"workload.tp\" values=\"1 2 4 8 16\"/>\n"
                     "  <param name=\"workload.pp\" values=\"1 2 4 8 16\"/>\n"
                     "  <constraint test=\"workload.tp * workload.pp == 16\"/>\n"
                     "  <constraint test=\"workload.tp &gt;= " +
                     tp_at_least + "\"/>\n");
    };
    const std::string out = dir + "/r.csv";
    CliRun r = tessera("sweep " + constrained("4") + " -o " + out);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("3 points (22 more excluded by constraints)"), std::string::npos)
        << r.output;
    std::map<long, std::string> rows = rows_by_id(read_text(out));
    ASSERT_EQ(rows.size(), 3u);
    const struct {
        long id;
        const char *tp, *pp;
    } expect[] = {{5 * 2 + 2, "4", "4"}, {5 * 3 + 1, "8", "2"}, {5 * 4 + 0, "16", "1"}};
    for (const auto &e : expect) {
        ASSERT_EQ(rows.count(e.id), 1u) << e.id;
        std::vector<std::string> f = fields(rows[e.id], 4);
        EXPECT_EQ(f[1], e.tp) << rows[e.id];
        EXPECT_EQ(f[2], e.pp) << rows[e.id];
    }

    // an edited constraint keeps the other points' ids, so the sweep resumes: tp >= 2 adds
    // (2,8), id 5 + 3, and only it is evaluated; tp >= 8 then has both its points already
    r = tessera("sweep " + constrained("2") + " -o " + out);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("4 points (21 more excluded by constraints), 3 already in"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("1 evaluated now"), std::string::npos) << r.output;
    EXPECT_EQ(rows_by_id(read_text(out)).count(5 + 3), 1u);
    r = tessera("sweep " + constrained("8") + " -o " + out);
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("2 points (23 more excluded by constraints), 2 already in"),
              std::string::npos)
        << r.output;

    // constraints that drop every point leave nothing to sweep
    r = tessera("sweep " + constrained("32"));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("the constraints drop every one of its 25 points"), std::string::npos)
        << r.output;

    // a constraint naming a parameter a point leaves unset is an error with its line
    r = tessera("sweep " + space("  <param name=\"workload.tp\" values=\"1 2\"/>\n"
                                 "  <constraint test=\"workload.dp == 1\"/>\n"));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find(
                  "s.xml:3: <constraint> attribute 'test' at point 0: 'workload.dp' has no value"),
              std::string::npos)
        << r.output;
}

TEST_F(Sweep, BadSpacesAreRefusedWithFileAndLine)
{
    CliRun r = tessera("sweep " + space("  <param name=\"x\" from=\"8\" to=\"2\"/>\n"));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("s.xml:2:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("from <= to"), std::string::npos) << r.output;

    r = tessera("sweep " + space("  <param name=\"x\" values=\"1\"/>\n  <grid/>\n"));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("s.xml:3:"), std::string::npos) << r.output;

    r = tessera("sweep " + space("  <point set=\"tp\"/>\n"));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("'tp' is not name=value"), std::string::npos) << r.output;

    r = tessera("sweep " + space(""));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("no points"), std::string::npos) << r.output;

    r = tessera("sweep " + space("  <points file=\"missing.csv\"/>\n"));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("missing.csv"), std::string::npos) << r.output;

    spit(dir + "/tl.xml", "<space name=\"t\" platform=\"p.xml\" workload=\"w.xml\"\n"
                          "       time-limit=\"5min\">\n  <point set=\"a=1\"/>\n</space>\n");
    r = tessera("sweep " + dir + "/tl.xml");
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("tl.xml:1: <space> attribute 'time-limit': unknown unit 'min'"),
              std::string::npos)
        << r.output;

    EXPECT_EQ(tessera("sweep " + space(grid_and_failure) + " -j 0").status, 2);
}

// Issue 25: a design space of 1e9 points was expanded before the first evaluation. Now
// nothing is enumerated: the space loads in its axes' memory, and a sweep (which evaluates
// every point) refuses it at once, naming the file and the way out.
TEST_F(Sweep, ASpaceTooLargeToSweepIsRefusedWithoutEnumeratingIt)
{
    std::string axes;
    for (int k = 0; k < 9; k++) // 10^9 points
        axes += "  <param name=\"p" + std::to_string(k) + "\" from=\"0\" to=\"9\"/>\n";
    CliRun r = tessera("sweep " + space(axes));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("s.xml: 1000000000 points; a sweep evaluates every one and takes at "
                            "most 1000000: narrow the space, or search it with tessera explore"),
              std::string::npos)
        << r.output;
    // past 1e15 ids, or an axis past 1e6 values, the space itself is refused at its <param>
    r = tessera("sweep " + space(axes + "  <param name=\"q0\" from=\"0\" to=\"9\"/>\n" +
                                 "  <param name=\"q1\" from=\"0\" to=\"999999\"/>\n"));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("s.xml:12: <param>: the grid passes 1000000000000000 points here"),
              std::string::npos)
        << r.output;
    r = tessera("sweep " + space("  <param name=\"x\" from=\"0\" to=\"1e9\"/>\n"));
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("s.xml:2: <param name=\"x\">: from 0 to 1e+09 in steps of 1 is 1e+09 "
                            "values; at most 1000000 a param"),
              std::string::npos)
        << r.output;
}

TEST_F(Sweep, RefusesRowsOfAnEditedSpace)
{
    // same names (same header), but a new first value shifts every id: the old rows are
    // not the new points
    std::string out = dir + "/r.csv";
    ASSERT_EQ(tessera("sweep " + space("  <param name=\"model.layers\" values=\"8 16\"/>\n") +
                      " -o " + out)
                  .status,
              0);
    const std::string before = read_text(out);
    CliRun r = tessera("sweep " + space("  <param name=\"model.layers\" values=\"4 8 16\"/>\n") +
                       " -o " + out);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("is not point"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("r.csv:2:"), std::string::npos) << r.output;
    EXPECT_EQ(read_text(out), before);
}

TEST_F(Sweep, RefusesToAppendToAnotherSpacesResults)
{
    std::string out = dir + "/r.csv";
    spit(out, "point,something,else\n0,1,2\n");
    CliRun r = tessera("sweep " + space(grid_and_failure) + " -o " + out);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("another space"), std::string::npos) << r.output;
    EXPECT_EQ(read_text(out), "point,something,else\n0,1,2\n");
}

// Issue 25: two sweeps on one output interleaved and doubled its rows. The writer holds a
// lock on the file: a second sweep (here the test holding the lock) is refused.
TEST_F(Sweep, ASecondWriterOnOneOutputIsRefused)
{
    std::string s = space("  <param name=\"model.layers\" values=\"8 16\"/>\n"),
                out = dir + "/r.csv";
    const int fd = open(out.c_str(), O_WRONLY | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
    CliRun r = tessera("sweep " + s + " -o " + out);
    EXPECT_EQ(r.status, 3) << r.output;
    EXPECT_NE(r.output.find(out + " is being written by another sweep"), std::string::npos)
        << r.output;
    close(fd); // the lock goes with it
    r = tessera("sweep " + s + " -o " + out);
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(rows_by_id(read_text(out)).size(), 2u);
}

// Issue 25: --resume accepted a file holding a point twice. A rerun refuses it; --repair
// keeps each point's first row, loses none, and the sweep then finishes what is left.
TEST_F(Sweep, AFileHoldingAPointTwiceIsRefusedOrRepaired)
{
    std::string s = space("  <param name=\"model.layers\" values=\"8 16 24\"/>\n"),
                out = dir + "/r.csv";
    ASSERT_EQ(tessera("sweep " + s + " -o " + out).status, 0);
    const std::string whole = read_text(out);
    std::vector<std::string> l = lines(whole);
    ASSERT_EQ(l.size(), 4u);
    // the rows of points 0 and 1, then point 0 again (a second writer), no point 2
    spit(out, l[0] + "\n" + l[1] + "\n" + l[2] + "\n" + l[1] + "\n");
    CliRun r = tessera("sweep " + s + " -o " + out);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find(out + ":4: point 0 has a row already"), std::string::npos) << r.output;
    r = tessera("sweep " + s + " --repair -o " + out);
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("repaired, 1 second rows of points removed"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("1 evaluated now"), std::string::npos) << r.output;
    std::map<long, std::string> rows = rows_by_id(read_text(out));
    ASSERT_EQ(rows.size(), 3u);
    for (long id = 0; id < 3; id++)
        EXPECT_EQ(rows[id], l[id + 1]) << id; // values as the undisturbed sweep gave them
}

// Issue 25: a space whose platform file does not exist gave one error row per point and
// exit 0. It is refused before any point, naming the space file and line.
TEST_F(Sweep, ASpaceWhosePlatformCannotBeReadIsRefused)
{
    const std::string path = dir + "/missing.xml", out = dir + "/r.csv";
    spit(path, "<space name=\"t\" platform=\"no-such-platform.xml\" workload=\"" +
                   src("workloads/default.xml") +
                   "\">\n  <param name=\"model.layers\" values=\"8 16\"/>\n</space>\n");
    CliRun r = tessera("sweep " + path + " -o " + out);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find(path + ":1: <space> attribute 'platform': cannot read"),
              std::string::npos)
        << r.output;
    EXPECT_EQ(read_text(out), ""); // nothing evaluated, nothing written
}

// Issue 25's kill test: a sweep killed at random points (20 kills over 5 seeds; the
// parent alone, whose workers and simulation children then die with it, or the whole
// process group), then resumed: every point is in the file exactly once, with the value
// an undisturbed sweep gives it.
TEST_F(Sweep, RandomKillsThenResumeGiveEveryPointOnceWithItsValue)
{
    const std::string s =
        space("  <param name=\"model.layers\" from=\"4\" to=\"48\" step=\"4\"/>\n"
              "  <param name=\"workload.recompute\" values=\"selective full\"/>\n",
              "s.xml", " memory-fidelity=\"rate\""); // (fast points: many kills in the run)
    const std::string ref = dir + "/ref.csv";
    ASSERT_EQ(tessera("sweep " + s + " -j 2 --quiet -o " + ref).status, 0);
    const std::map<long, std::string> truth = rows_by_id(read_text(ref));
    ASSERT_EQ(truth.size(), 24u);
    int kills = 0;
    for (unsigned seed = 1; seed <= 5; seed++) {
        const std::string out = dir + "/kill-" + std::to_string(seed) + ".csv";
        unsigned state = seed * 2654435761u;
        for (int k = 0; k < 4; k++) {
            state = state * 1103515245u + 12345u;
            const bool whole_group = (state >> 16) & 1;
            const long wait_us = 20000 + (state >> 8) % 200000; // 20 to 220 ms into the run
            pid_t pid = fork();
            ASSERT_GE(pid, 0);
            if (pid == 0) {
                setpgid(0, 0);
                execl(TESS_BINARY, TESS_BINARY, "sweep", s.c_str(), "-j", "2", "--quiet", "-o",
                      out.c_str(), (char *)nullptr);
                _exit(127);
            }
            setpgid(pid, pid);
            usleep(static_cast<useconds_t>(wait_us));
            kill(whole_group ? -pid : pid, SIGKILL);
            int st = 0;
            waitpid(pid, &st, 0);
            kills++;
            // the workers and children of a parent killed alone die with it
            int left = live_in_group(pid);
            for (int i = 0; i < 500 && left > 0; i++) {
                usleep(10000);
                left = live_in_group(pid);
            }
            EXPECT_EQ(left, 0) << "seed " << seed << ": processes outlived the killed sweep";
            kill(-pid, SIGKILL);
        }
        CliRun r = tessera("sweep " + s + " -j 2 --quiet -o " + out);
        ASSERT_EQ(r.status, 0) << "seed " << seed << ": " << r.output;
        const std::map<long, std::string> got = rows_by_id(read_text(out));
        ASSERT_EQ(got.size(), 24u) << "seed " << seed;
        for (const auto &[id, row] : truth) {
            ASSERT_EQ(got.count(id), 1u) << "seed " << seed << " point " << id;
            EXPECT_EQ(got.at(id), row) << "seed " << seed << " point " << id;
        }
    }
    EXPECT_EQ(kills, 20);
}
