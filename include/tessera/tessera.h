/* Tessera public C API: the driver contract.
 *
 * Every public name carries the `tess_` prefix. Functions return an int status:
 * 0 (TESS_OK) on success, a negative TESS_E* code on failure, and fill a message
 * that names file, line and field where the failure came from input.
 *
 * This header grows with the driver; today it holds the status codes, the version
 * and the platform loader's entry points.
 */
#ifndef TESSERA_TESSERA_H
#define TESSERA_TESSERA_H

#ifdef __cplusplus
extern "C" {
#endif

#define TESS_API_VERSION 1

enum tess_status {
    TESS_OK = 0,
    TESS_EINVAL = -1,     /* bad input: XML, unit, range, reference, override */
    TESS_ENOMEM = -2,     /* allocation failed */
    TESS_EIO = -3,        /* file could not be read or written */
    TESS_EUNROUTABLE = -4, /* a die cannot reach a die it must reach */
    TESS_ECHILD = -5,     /* the simulation child failed (exit status, protocol) */
    TESS_ECRASH = -6,     /* the simulation child was killed by a signal */
    TESS_ETIMEOUT = -7,   /* the simulation child ran past its time limit */
    TESS_EINTERNAL = -8   /* a bug: an invariant did not hold */
};

/* Static string naming a status code ("invalid input", ...). Never NULL. */
const char *tess_strerror(int status);

/* Static version string "MAJOR.MINOR.PATCH". */
const char *tess_version(void);

#ifdef __cplusplus
}
#endif

#endif
