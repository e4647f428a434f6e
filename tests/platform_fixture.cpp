#include "platform_fixture.h"

extern "C" {
#include "config/diag.h"
}

#include <cstdlib>

int Loaded::live_links_between(const std::string &a, const std::string &b) const
{
    uint32_t ia = instance(a), ib = instance(b);
    int n = 0;
    for (size_t k = 0; k < p.n_links; k++) {
        const tess_link &l = p.links[k];
        if (!l.dead && ((l.a == ia && l.b == ib) || (l.a == ib && l.b == ia))) n++;
    }
    return n;
}

static std::unique_ptr<Loaded> finish(std::unique_ptr<Loaded> out, tess_diag &diag)
{
    char *joined = tess_diag_join(&diag);
    out->errors = joined ? joined : "";
    free(joined);
    tess_diag_free(&diag);
    return out;
}

static std::vector<tess_override> to_c(const Overrides &overrides)
{
    std::vector<tess_override> ov;
    for (const auto &o : overrides)
        ov.push_back({o.first.c_str(), o.second.c_str()});
    return ov;
}

std::unique_ptr<Loaded> load_xml(const std::string &xml, const Overrides &overrides,
                                 const char *name)
{
    auto out = std::make_unique<Loaded>();
    tess_diag diag;
    tess_diag_init(&diag);
    std::vector<tess_override> ov = to_c(overrides);
    out->rc = tess_platform_load_buffer(xml.data(), xml.size(), name, ov.data(), ov.size(), &out->p,
                                        &diag);
    return finish(std::move(out), diag);
}

std::unique_ptr<Loaded> load_file(const std::string &path, const Overrides &overrides)
{
    auto out = std::make_unique<Loaded>();
    tess_diag diag;
    tess_diag_init(&diag);
    std::vector<tess_override> ov = to_c(overrides);
    out->rc = tess_platform_load_file(path.c_str(), ov.data(), ov.size(), &out->p, &diag);
    return finish(std::move(out), diag);
}

std::string platform_doc(const std::string &body, const std::string &routing)
{
    return "<?xml version=\"1.0\"?>\n"                 // 1
           "<platform name=\"t\">\n"                   // 2
           "  <die-type name=\"d\" clock=\"1GHz\"/>\n" // 3
           "  <router-type name=\"r\" clock=\"1GHz\" ports=\"5\" vcs=\"8\" routing=\"" +
           routing +
           "\"/>\n"                                                                            // 4
           "  <link-type name=\"l\" width=\"16B\" latency=\"1cycle\" energy=\"0.1pJ/bit\"/>\n" // 5
           "  <link-type name=\"local\" width=\"16B\" latency=\"0cycles\" energy=\"0pJ/bit\"/>\n" // 6
           + body + "</platform>\n";
}

std::string source_path(const std::string &relative)
{
    return std::string(TESS_SOURCE_DIR) + "/" + relative;
}
