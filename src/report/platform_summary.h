/* The human-readable summary of a loaded platform (what `tessera validate` prints).
 * Formatting only: it reads the platform and computes nothing the checks rely on. */
#ifndef TESS_PLATFORM_SUMMARY_H
#define TESS_PLATFORM_SUMMARY_H

#include <stdio.h>

#include "config/platform.h"

void tess_platform_print_summary(const tess_platform *p, FILE *out);

#endif
