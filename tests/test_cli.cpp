// The command-line program: --version, --help, validate, exit statuses.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace {

struct CliRun {
    int status;
    std::string output; // stdout and stderr together
};

CliRun tessera(const std::string &args)
{
    std::string cmd = std::string("cd '") + TESS_SOURCE_DIR + "' && '" + TESS_BINARY + "' " + args +
                      " 2>&1";
    FILE *p = popen(cmd.c_str(), "r");
    CliRun r{-1, ""};
    if (!p) return r;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
    int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

} // namespace

TEST(Cli, VersionNamesTheProgramAndLibraries)
{
    CliRun r = tessera("--version");
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.output.rfind("tessera 0.", 0), 0u) << r.output;
    EXPECT_NE(r.output.find("SystemC 2.3"), std::string::npos) << r.output;
}

TEST(Cli, HelpListsCommands)
{
    CliRun r = tessera("--help");
    EXPECT_EQ(r.status, 0);
    EXPECT_NE(r.output.find("validate PLATFORM"), std::string::npos) << r.output;
}

TEST(Cli, UnknownCommandIsAUsageError)
{
    CliRun r = tessera("simulate-everything");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.output.find("unknown command 'simulate-everything'"), std::string::npos);
    EXPECT_EQ(tessera("").status, 2);
}

TEST(Cli, ValidateEveryBundledPlatform)
{
    for (const char *p : {"mesh-4x4", "mesh-8x8", "mesh-16x16", "mesh-32x32", "torus-8x8",
                          "mesh-8x8-defects", "switch-8"}) {
        CliRun r = tessera(std::string("validate platforms/") + p + ".xml");
        EXPECT_EQ(r.status, 0) << p << ":\n" << r.output;
        EXPECT_NE(r.output.find("valid"), std::string::npos) << r.output;
    }
}

TEST(Cli, ValidateSummarisesCounts)
{
    CliRun r = tessera("validate platforms/mesh-8x8.xml --set k=4");
    ASSERT_EQ(r.status, 0) << r.output;
    // 4x4: 16 dies, 16 routers; 16 local + 2*4*3 router links
    EXPECT_NE(r.output.find("instances: 32 live of 32 (16 die, 16 router, 0 memory)"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("links: 40 live of 40 (24 router-router, 16 to endpoints)"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("k = 4  (--set; default 8)"), std::string::npos) << r.output;
}

TEST(Cli, ValidateBadFileExitsOneWithFileAndLine)
{
    CliRun r = tessera("validate tests/data/bad/bad-unit.xml");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("tests/data/bad/bad-unit.xml:5:"), std::string::npos) << r.output;
    CliRun u = tessera("validate tests/data/bad/unroutable.xml");
    EXPECT_EQ(u.status, 1);
    EXPECT_NE(u.output.find("unroutable.xml:7: unroutable"), std::string::npos) << u.output;
}

TEST(Cli, ValidateUnknownOverrideExitsOne)
{
    CliRun r = tessera("validate platforms/mesh-8x8.xml --set kk=4");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("platforms/mesh-8x8.xml:8: --set kk"), std::string::npos) << r.output;
}

TEST(Cli, ValidateUsageErrors)
{
    EXPECT_EQ(tessera("validate").status, 2);
    EXPECT_EQ(tessera("validate platforms/mesh-8x8.xml --set novalue").status, 2);
    EXPECT_EQ(tessera("validate platforms/mesh-8x8.xml --frobnicate").status, 2);
    CliRun missing = tessera("validate no/such/file.xml");
    EXPECT_EQ(missing.status, 3);
    EXPECT_NE(missing.output.find("no/such/file.xml: cannot open"), std::string::npos);
}
