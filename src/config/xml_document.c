/* Reading and validating input documents: see xml_document.h. */
#include "config/xml_document.h"

#include "config/spelling.h"
#include "config/units.h"

#include <errno.h>
#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sink {
    tess_diag *diag;
    const char *file;
} sink;

/* The text between `open` and the next `close` after it in msg, into out (a name in
 * quotes, or a list in parentheses); 0, or -1 when absent. A {namespace} prefix is cut. */
static int between(const char *msg, const char *open, const char *close, char *out, size_t n)
{
    const char *a = strstr(msg, open);
    if (!a) return -1;
    a += strlen(open);
    const char *b = strstr(a, close);
    if (!b) return -1;
    const char *brace = memchr(a, '}', (size_t)(b - a));
    if (*a == '{' && brace) a = brace + 1;
    snprintf(out, n, "%.*s", (int)(b - a), a);
    return 0;
}

/* A libxml2 schema message in the user's words, where its shape is known: which element
 * is not allowed where, and what is (with a did-you-mean), which attribute is not allowed
 * or missing. Returns 0 with the new text in out, or -1 to keep libxml2's. */
static int user_words(const char *msg, xmlNodePtr node, char *out, size_t n)
{
    char elem[128], attr[128], list[768];
    if (between(msg, "Element '", "'", elem, sizeof elem) != 0) return -1;
    const char *parent = node && node->parent && node->parent->type == XML_ELEMENT_NODE
                             ? (const char *)node->parent->name
                             : NULL;
    if (strstr(msg, "This element is not expected.")) {
        char where[160] = "";
        if (parent) snprintf(where, sizeof where, " inside <%s>", parent);
        if (between(msg, "Expected is one of ( ", " )", list, sizeof list) != 0 &&
            between(msg, "Expected is ( ", " )", list, sizeof list) != 0) {
            snprintf(out, n, "element <%s> is not allowed%s at this point", elem, where);
            return 0;
        }
        const char *names[64];
        size_t k = 0;
        char copy[768];
        snprintf(copy, sizeof copy, "%s", list);
        for (char *t = strtok(copy, ", "); t && k < 64; t = strtok(NULL, ", "))
            names[k++] = t;
        const char *near = tess_did_you_mean(elem, names, k);
        char hint[192] = "";
        if (near) snprintf(hint, sizeof hint, " (did you mean <%s>?)", near);
        snprintf(out, n, "element <%s> is not allowed%s%s; allowed here: %s", elem, where, hint,
                 list);
        return 0;
    }
    if (between(msg, "attribute '", "'", attr, sizeof attr) == 0 &&
        strstr(msg, "is not allowed.")) {
        snprintf(out, n, "<%s> has no attribute '%s'", elem, attr);
        return 0;
    }
    if (between(msg, "The attribute '", "'", attr, sizeof attr) == 0 &&
        strstr(msg, "is required but missing")) {
        snprintf(out, n, "<%s> needs the attribute '%s'", elem, attr);
        return 0;
    }
    if (strstr(msg, "Missing child element(s).") &&
        (between(msg, "Expected is one of ( ", " )", list, sizeof list) == 0 ||
         between(msg, "Expected is ( ", " )", list, sizeof list) == 0)) {
        snprintf(out, n, "<%s> is missing a child element: one of %s", elem, list);
        return 0;
    }
    return -1;
}

static void on_error(void *ctx, xmlErrorPtr e)
{
    sink *s = ctx;
    char msg[1024], words[1400];
    snprintf(msg, sizeof msg, "%s", e->message ? e->message : "XML error");
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    const int schema = e->domain == XML_FROM_SCHEMASV;
    if (schema && user_words(msg, (xmlNodePtr)e->node, words, sizeof words) == 0)
        tess_diag_add(s->diag, s->file, e->line, "%s", words);
    else
        tess_diag_add(s->diag, s->file, e->line, "%s: %s", schema ? "schema" : "XML", msg);
}

/* libxml2 numbers an element by the line where its start tag ends; messages should name
 * the line where it begins. For each element, find the nearest "<name" at or before the
 * end of that line and take its line. */
static void start_lines(xmlNodePtr n, const char *xml, size_t len, const size_t *line_start,
                        long lines)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE) continue;
        long end_line = xmlGetLineNo(n);
        if (end_line >= 1 && end_line <= lines && end_line < 65535) {
            const size_t name_len = strlen((const char *)n->name);
            size_t end = end_line < lines ? line_start[end_line] : len; /* end of that line */
            for (size_t i = end; i-- > 0;) {
                if (xml[i] == '<' && i + 1 + name_len <= len &&
                    strncmp(xml + i + 1, (const char *)n->name, name_len) == 0) {
                    long l = end_line;
                    while (l > 1 && line_start[l - 1] > i)
                        l--;
                    n->line = (unsigned short)l;
                    break;
                }
            }
        }
        start_lines(n->children, xml, len, line_start, lines);
    }
}

xmlDocPtr tess_xml_read(const char *xml, size_t len, const char *file, const char *xsd,
                        unsigned long xsd_len, tess_diag *diag)
{
    sink s = {diag, file};
    size_t before = tess_diag_errors(diag);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) return NULL;
    xmlSetStructuredErrorFunc(&s, on_error);
    xmlDocPtr doc = len > (size_t)INT32_MAX
                        ? NULL
                        : xmlCtxtReadMemory(ctxt, xml, (int)len, file, NULL,
                                            XML_PARSE_NONET | XML_PARSE_BIG_LINES);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlFreeParserCtxt(ctxt);
    if (doc) {
        /* line_start[k] = offset of line k+1 (1-based lines; line_start[0] = 0) */
        long lines = 1;
        for (size_t i = 0; i < len; i++)
            lines += xml[i] == '\n';
        size_t *line_start = malloc((size_t)lines * sizeof *line_start);
        if (line_start) {
            long k = 0;
            line_start[k++] = 0;
            for (size_t i = 0; i < len && k < lines; i++)
                if (xml[i] == '\n') line_start[k++] = i + 1;
            start_lines(xmlDocGetRootElement(doc), xml, len, line_start, lines);
            free(line_start);
        }
    }
    /* entity declarations: none of Tessera's inputs needs them, and a few nested ones
     * expand quadratically during validation (minutes) while passing libxml2's limits */
    if (doc && doc->intSubset && doc->intSubset->entities &&
        xmlHashSize((xmlHashTablePtr)doc->intSubset->entities) > 0) {
        tess_diag_add(diag, file, xmlGetLineNo((xmlNodePtr)doc->intSubset),
                      "<!ENTITY> declarations are not accepted in Tessera's inputs");
        xmlFreeDoc(doc);
        return NULL;
    }
    if (!doc) {
        if (tess_diag_errors(diag) == before)
            tess_diag_add(diag, file, 0, "XML: the document could not be parsed");
        return NULL;
    }
    xmlSchemaParserCtxtPtr pctx = xmlSchemaNewMemParserCtxt(xsd, (int)xsd_len);
    xmlSchemaPtr schema = pctx ? xmlSchemaParse(pctx) : NULL;
    xmlSchemaValidCtxtPtr vctx = schema ? xmlSchemaNewValidCtxt(schema) : NULL;
    int ok = 0;
    if (!vctx) {
        tess_diag_add(diag, file, 0, "internal error: a built-in schema did not load");
    } else {
        xmlSchemaSetValidStructuredErrors(vctx, on_error, &s);
        ok = xmlSchemaValidateDoc(vctx, doc) == 0;
        if (!ok && tess_diag_errors(diag) == before)
            tess_diag_add(diag, file, 0, "schema: the document does not match its schema");
    }
    if (vctx) xmlSchemaFreeValidCtxt(vctx);
    if (schema) xmlSchemaFree(schema);
    if (pctx) xmlSchemaFreeParserCtxt(pctx);
    if (!ok) {
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

xmlDocPtr tess_xml_load(const char *path, const char *xsd, unsigned long xsd_len, tess_diag *diag,
                        int *missing)
{
    size_t len;
    char *buf = tess_read_file(path, &len, diag);
    if (missing) *missing = buf == NULL;
    if (!buf) return NULL;
    xmlDocPtr doc = tess_xml_read(buf, len, path, xsd, xsd_len, diag);
    free(buf);
    return doc;
}

int tess_xml_time_attr(xmlNodePtr n, const char *attr, const char *file, double *seconds,
                       tess_diag *diag)
{
    xmlChar *text = xmlGetProp(n, (const xmlChar *)attr);
    if (!text) return 0;
    tess_quantity q;
    char err[256];
    int rc = tess_parse_quantity((const char *)text, TESS_DIM_TIME, &q, err, sizeof err);
    if (rc != 0)
        tess_diag_add(diag, file, xmlGetLineNo(n), "<%s> attribute '%s': %s", (const char *)n->name,
                      attr, err);
    else
        *seconds = q.value;
    xmlFree(text);
    return rc != 0 ? -1 : 0;
}

void tess_path_beside(const char *file, const char *rel, char *out, size_t n)
{
    const char *slash = strrchr(file, '/');
    if (rel[0] == '/' || !slash)
        snprintf(out, n, "%s", rel);
    else
        snprintf(out, n, "%.*s/%s", (int)(slash - file), file, rel);
}

char *tess_read_file(const char *path, size_t *len, tess_diag *diag)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        tess_diag_add(diag, path, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        if (n > TESS_MAX_INPUT_BYTES) { /* an endless file (/dev/zero) or a huge one */
            fclose(f);
            free(buf);
            tess_diag_add(diag, path, 0, "larger than %u MiB, the largest input file read",
                          TESS_MAX_INPUT_BYTES >> 20);
            return NULL;
        }
        char *bigger = realloc(buf, 2 * cap + 1);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        tess_diag_add(diag, path, 0, bad ? "read error" : "out of memory");
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}
