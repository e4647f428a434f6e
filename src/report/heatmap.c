/* Link-utilisation heat map: see heatmap.h. */
#include "report/heatmap.h"

#include <stdlib.h>
#include <string.h>

enum { CELL = 48, MARGIN = 40 };

/* Blue (idle) to red (the busiest link): the hue runs from 240 to 0 degrees. */
static void colour(double share, char *buf, size_t len)
{
    if (share < 0) share = 0;
    if (share > 1) share = 1;
    snprintf(buf, len, "hsl(%d,85%%,%d%%)", (int)(240 * (1 - share) + 0.5),
             45 + (int)(10 * (1 - share)));
}

/* Memories linked to grid g's routers or dies: a square beside the router, out of the
 * grid on an edge, its link coloured like the others; at burst memory fidelity the square
 * coloured by its controller's utilisation (blue idle to red busy all the time). */
static void draw_memories(FILE *f, const tess_platform *p, const tess_eval_result *e, uint32_t g,
                          uint32_t top, const double *use, double busiest)
{
    const tess_grid *G = &p->grids[g];
    for (size_t l = 0; l < p->n_links; l++) {
        const tess_instance *a = &p->instances[p->links[l].a], *b = &p->instances[p->links[l].b];
        const tess_instance *m = a->kind == TESS_KIND_MEMORY ? a : b, *x = m == a ? b : a;
        if (m->kind != TESS_KIND_MEMORY || x->grid != g || x->row < 0 || x->col < 0) continue;
        const double cx = MARGIN + (x->col + 0.5) * CELL, cy = top + (x->row + 0.5) * CELL;
        /* outward on an edge column or row, else towards the lower right */
        double dx = CELL / 3.0, dy = CELL / 3.0;
        if (x->col == 0)
            dx = -CELL / 2.0, dy = 0;
        else if ((uint32_t)x->col + 1 == G->cols)
            dx = CELL / 2.0, dy = 0;
        else if (x->row == 0)
            dx = 0, dy = -CELL / 2.0;
        else if ((uint32_t)x->row + 1 == G->rows)
            dx = 0, dy = CELL / 2.0;
        char c[48];
        colour(busiest > 0 ? use[l] / busiest : 0, c, sizeof c);
        fprintf(f,
                "<line class=\"memory-link\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                "stroke=\"%s\" stroke-width=\"4\" data-utilisation=\"%.6g\"><title>%s - %s: "
                "%.3g</title></line>\n",
                cx, cy, cx + dx, cy + dy, c, use[l], x->path, m->path, use[l]);
        double busy = -1;
        const uint32_t mi = (uint32_t)(m - p->instances);
        for (uint32_t k = 0; k < e->n_memories; k++)
            if (e->memories[k].instance == mi && e->it.iteration_time_s > 0)
                busy = e->memories[k].busy_s / e->it.iteration_time_s;
        char fill[48] = "white";
        if (busy >= 0) colour(busy, fill, sizeof fill);
        fprintf(f,
                "<rect class=\"memory\" x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" "
                "fill=\"%s\" stroke=\"black\"",
                cx + dx - 6, cy + dy - 6, fill);
        if (busy >= 0)
            fprintf(f,
                    " data-utilisation=\"%.6g\"><title>%s: controller busy %.3g</title></rect>\n",
                    busy, m->path, busy);
        else
            fprintf(f, "><title>%s</title></rect>\n", m->path);
    }
}

int tess_write_heatmap_svg(FILE *f, const tess_platform *p, const tess_eval_result *e)
{
    /* each link's utilisation: the busier of its two channels */
    double *use = calloc(p->n_links + 1, sizeof *use);
    int ok = use != NULL;
    double busiest = 0;
    for (uint32_t c = 0; ok && c < e->n_links; c++) {
        const tess_noc_link_use *u = &e->links[c];
        if (u->link >= p->n_links) continue;
        if (u->utilisation > use[u->link]) use[u->link] = u->utilisation;
        if (u->utilisation > busiest) busiest = u->utilisation;
    }
    int drawn = 0;
    uint32_t width = 0, height = 0;
    for (size_t g = 0; ok && g < p->n_grids; g++) {
        if (!tess_topology_has_coordinates(p->grids[g].topology)) continue;
        if (p->grids[g].cols * CELL > width) width = p->grids[g].cols * CELL;
        height += p->grids[g].rows * CELL + MARGIN;
    }
    if (ok && height > 0) {
        fprintf(f,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\" "
                "font-family=\"sans-serif\" font-size=\"12\">\n"
                "<title>%s: link utilisation over one iteration (busiest %.3g)</title>\n",
                width + 2 * MARGIN, height + 2 * MARGIN, p->name, busiest);
        fprintf(f,
                "<text x=\"%d\" y=\"20\">%s: link utilisation, blue idle to red %.3g (the "
                "busiest)</text>\n",
                MARGIN, p->name, busiest);
        uint32_t y0 = MARGIN;
        for (size_t g = 0; g < p->n_grids; g++) {
            const tess_grid *G = &p->grids[g];
            if (!tess_topology_has_coordinates(G->topology)) continue;
            fprintf(
                f, "<g class=\"grid\" id=\"%s\">\n<text x=\"%d\" y=\"%u\">%s (%s %u x %u)</text>\n",
                G->name, MARGIN, y0 + 12, G->name,
                G->topology == TESS_TOPO_TORUS ? "torus" : "mesh", G->rows, G->cols);
            const uint32_t top = y0 + 24;
            for (uint32_t l = G->first_link; l < G->first_link + G->link_count; l++) {
                const tess_instance *a = &p->instances[p->links[l].a],
                                    *b = &p->instances[p->links[l].b];
                if (a->kind != TESS_KIND_ROUTER || b->kind != TESS_KIND_ROUTER) continue;
                const double ax = MARGIN + (a->col + 0.5) * CELL, ay = top + (a->row + 0.5) * CELL;
                double bx = MARGIN + (b->col + 0.5) * CELL, by = top + (b->row + 0.5) * CELL;
                if (p->links[l].wraparound) { /* a stub beyond the edge it wraps around */
                    bx = a->row == b->row ? ax + CELL / 2.0 : ax;
                    by = a->row == b->row ? ay : ay + CELL / 2.0;
                }
                char c[48];
                colour(busiest > 0 ? use[l] / busiest : 0, c, sizeof c);
                fprintf(f,
                        "<line class=\"link\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                        "stroke=\"%s\" stroke-width=\"7\"%s data-utilisation=\"%.6g\">"
                        "<title>%s - %s: %.3g</title></line>\n",
                        ax, ay, bx, by, c, p->links[l].dead ? " stroke-dasharray=\"3,3\"" : "",
                        use[l], a->path, b->path, use[l]);
                drawn++;
            }
            draw_memories(f, p, e, (uint32_t)g, top, use, busiest);
            for (uint32_t i = G->first_instance; i < G->first_instance + G->instance_count; i++) {
                const tess_instance *x = &p->instances[i];
                if (x->kind != TESS_KIND_ROUTER) continue;
                fprintf(f,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"10\" height=\"10\" "
                        "fill=\"%s\"><title>%s</title></rect>\n",
                        MARGIN + (x->col + 0.5) * CELL - 5, top + (x->row + 0.5) * CELL - 5,
                        x->dead ? "white" : "black", x->path);
            }
            fprintf(f, "</g>\n");
            y0 += G->rows * CELL + MARGIN;
        }
        fprintf(f, "</svg>\n");
    }
    free(use);
    return drawn;
}
