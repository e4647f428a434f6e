#include "child.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <exception>

extern "C" {
#include "driver/runner.h"
#include "tessera/tessera.h"
}

namespace
{
void call(void *arg, tess_job_output *out)
{
    auto *fn = static_cast<const std::function<std::vector<double>()> *>(arg);
    try {
        std::vector<double> v = (*fn)();
        out->blob = std::malloc(v.size() * sizeof(double) + 1);
        std::memcpy(out->blob, v.data(), v.size() * sizeof(double));
        out->blob_len = v.size() * sizeof(double);
        out->status = TESS_OK;
    } catch (const std::exception &e) {
        out->status = TESS_EINTERNAL;
        std::snprintf(out->message, sizeof out->message, "%s", e.what());
    }
}
} // namespace

std::vector<double> in_child(const std::function<std::vector<double>()> &fn, std::string *error)
{
    tess_run_result r;
    int rc =
        tess_run_isolated(call, const_cast<std::function<std::vector<double>()> *>(&fn), 300, &r);
    if (error)
        *error = rc == TESS_OK ? "" : r.message;
    else
        EXPECT_EQ(rc, TESS_OK) << r.message;
    std::vector<double> v(r.blob_len / sizeof(double));
    if (!v.empty()) std::memcpy(v.data(), r.blob, r.blob_len);
    tess_run_result_free(&r);
    return v;
}
