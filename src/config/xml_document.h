/* Reading an input document: parse XML (no network, no entities, big line numbers)
 * and validate it against a schema compiled into the binary. Every problem goes to
 * diag as "FILE:LINE: XML: ..." or "FILE:LINE: schema: ...". Used by the platform,
 * model and workload loaders. */
#ifndef TESS_XML_DOCUMENT_H
#define TESS_XML_DOCUMENT_H

#include <stddef.h>

#include <libxml/tree.h>

#include "config/diag.h"

/* The document (free with xmlFreeDoc), or NULL after reporting why. */
xmlDocPtr tess_xml_read(const char *xml, size_t len, const char *file, const char *xsd,
                        unsigned long xsd_len, tess_diag *diag);

/* The largest input file Tessera reads (a platform, include, workload, model, space or
 * limits file): past it, an error, so that an endless or huge file cannot take the
 * machine's memory. */
#define TESS_MAX_INPUT_BYTES (64u << 20)

/* Reads a whole file into a new buffer (*len bytes, NUL-terminated); NULL after
 * reporting "FILE: cannot open: ..." in diag. */
char *tess_read_file(const char *path, size_t *len, tess_diag *diag);

/* Reads and validates a file: the document, or NULL after reporting why; *missing
 * (when not NULL) is set when the file could not be read at all. */
xmlDocPtr tess_xml_load(const char *path, const char *xsd, unsigned long xsd_len, tess_diag *diag,
                        int *missing);

/* An optional attribute holding a time with its unit ("300s"): 0 with *seconds set (left
 * as it was when the attribute is absent), or -1 after reporting
 * "FILE:LINE: <ELEMENT> attribute 'ATTR': why" in diag. */
int tess_xml_time_attr(xmlNodePtr n, const char *attr, const char *file, double *seconds,
                       tess_diag *diag);

/* A path written in FILE, relative to FILE's folder (absolute paths stay as they are). */
void tess_path_beside(const char *file, const char *rel, char *out, size_t n);

#endif
