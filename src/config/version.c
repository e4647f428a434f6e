/* Version and status strings of the public API. */
#include "tessera/tessera.h"

const char *tess_version(void)
{
    return TESS_VERSION_STRING;
}

const char *tess_strerror(int status)
{
    switch (status) {
    case TESS_OK:
        return "ok";
    case TESS_EINVAL:
        return "invalid input";
    case TESS_ENOMEM:
        return "out of memory";
    case TESS_EIO:
        return "input/output error";
    case TESS_EUNROUTABLE:
        return "unroutable platform";
    case TESS_ECHILD:
        return "simulation child failed";
    case TESS_ECRASH:
        return "simulation child crashed";
    case TESS_ETIMEOUT:
        return "simulation child timed out";
    case TESS_EINTERNAL:
        return "internal error";
    case TESS_ENOFIT:
        return "the model does not fit memory";
    default:
        return "unknown status";
    }
}
