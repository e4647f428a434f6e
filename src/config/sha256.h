/* SHA-256 (FIPS 180-4), for the report's provenance: the hex digest of a file's bytes
 * matches `sha256sum FILE`. */
#ifndef TESS_SHA256_H
#define TESS_SHA256_H

#include <stddef.h>

/* hex: 65 bytes (64 digits and a NUL). */
void tess_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
