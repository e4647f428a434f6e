// Loading platforms from XML text inside tests.
#ifndef TESS_TEST_PLATFORM_FIXTURE_H
#define TESS_TEST_PLATFORM_FIXTURE_H

#include <memory>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "config/loader.h"
#include "config/platform.h"
#include "tessera/tessera.h"
}

struct Loaded {
    int rc = TESS_EINTERNAL;
    tess_platform p{};
    std::string errors; // every diagnostic, newline-separated
    Loaded() = default;
    Loaded(const Loaded &) = delete;
    Loaded &operator=(const Loaded &) = delete;
    ~Loaded() { tess_platform_free(&p); }

    uint32_t instance(const std::string &path) const
    {
        return tess_platform_find_instance(&p, path.c_str());
    }
    // Live links joining the two instances.
    int live_links_between(const std::string &a, const std::string &b) const;
};

using Overrides = std::vector<std::pair<std::string, std::string>>;

// Loads XML text as if it were the file `name` ("test.xml" by default).
std::unique_ptr<Loaded> load_xml(const std::string &xml, const Overrides &overrides = {},
                                 const char *name = "test.xml");
std::unique_ptr<Loaded> load_file(const std::string &path, const Overrides &overrides = {});

// A platform document: the XML declaration and <platform name="t"> around body, and
// templates "d" (die), "r" (router: 5 ports, 8 VCs, given routing), "l" (link).
// The body starts on line 7 of the document.
std::string platform_doc(const std::string &body, const std::string &routing = "xy");

// Valid DRAM timings (HBM2-like, in ns) to append to a <memory-type> in tests. With the
// default burst-length 8 at double data rate a burst is 4 cycles: tCCD is at least that,
// and tRTW (16 ns) lets a write's data follow a read's (tRTW + tCWL >= tCL + burst) at
// clocks from 0.5 to 3.2 GHz.
constexpr const char *kTimings =
    " tRCD=\"14ns\" tCL=\"14ns\" tCWL=\"5ns\" tRP=\"14ns\" tRAS=\"34ns\" tRC=\"48ns\" "
    "tCCD_S=\"4cycles\" tCCD_L=\"4cycles\" tRRD_S=\"4ns\" tRRD_L=\"4ns\" tFAW=\"15ns\" "
    "tWR=\"16ns\" tWTR_S=\"6cycles\" tWTR_L=\"8cycles\" tRTW=\"16ns\" tRTP=\"5cycles\" "
    "tREFI=\"3.9us\" tRFC=\"350ns\"";

// Path of a file in the source tree.
std::string source_path(const std::string &relative);

#endif
