/* tessera cost PLATFORM [--json] [--set name=value]...: area, yield, cost and network
 * power without simulating (src/model/cost.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/commands.h"
#include "model/cost.h"

static void print_summary(const tess_platform *p, const tess_cost_report *c)
{
    printf("platform %s: area, yield, cost and network power\n", p->name);
    if (!c->accounted) {
        printf("  no die-type names a technology-type: nothing to account (see "
               "docs/platform-format.md, 'Area, yield and cost')\n");
    } else {
        const tess_area_parts *a = &c->area;
        printf("  silicon area      %12.6g mm2 (largest die %.6g mm2: %s)\n", c->area_m2 * 1e6,
               c->largest_die_m2 * 1e6, p->instances[c->largest_die].path);
        printf("    tensor %.6g, vector %.6g, sram %.6g, router %.6g, phy %.6g, dram phy %.6g, "
               "uncore %.6g, spare cores %.6g, stated %.6g mm2\n",
               a->tensor * 1e6, a->vector * 1e6, a->sram * 1e6, a->router * 1e6, a->phy * 1e6,
               a->memory_phy * 1e6, a->uncore * 1e6, a->spare_cores * 1e6, a->given * 1e6);
        printf("  yield             %12.6g (worst die %.6g, package assembly %.6g, wafer %.6g)\n",
               c->yield, c->worst_die_yield, c->worst_assembly_yield, c->worst_wafer_yield);
        printf("  units             %u packages, %u wafer-scale, %u dies packaged alone\n",
               c->packages, c->wafers, c->loose_dies);
    }
    printf(
        "  cost              %12.6g USD (dies %.6g, packaging %.6g, memory %.6g, network %.6g)\n",
        c->cost_usd, c->dies_usd, c->packaging_usd, c->memory_usd, c->network_cost_usd);
    printf("  network           %12.6g USD (%llu switches, %llu ports: %.6g; %llu priced links: "
           "%.6g; %llu transceivers: %.6g)\n",
           c->network_cost_usd, (unsigned long long)c->switches,
           (unsigned long long)c->switch_ports, c->switch_usd, (unsigned long long)c->priced_links,
           c->link_usd, (unsigned long long)c->transceivers, c->transceiver_usd);
    printf("  network power     %12.6g W (%llu switches: %.6g W; %llu transceivers: %.6g W; "
           "drawn whatever the traffic)\n",
           c->network_power_w, (unsigned long long)c->switches, c->switch_w,
           (unsigned long long)c->transceivers, c->transceiver_w);
}

int tess_cmd_cost(int argc, char **argv)
{
    static const char usage[] =
        "usage: tessera cost PLATFORM [--json] [--set name=value]...\n"
        "  area, yield and cost of the platform from its technology-types and prices,\n"
        "  and the power its switches and transceivers draw, without simulating; --json\n"
        "  prints the report.json keys area_mm2, yield, cost_usd, network_cost_usd,\n"
        "  network_power_w and their breakdowns.\n";
    tess_cli_args a;
    if (tess_cli_args_init(&a, argc) != 0) return TESS_EXIT_FAILED;
    int json = 0;
    const tess_cli_option opts[] = {{"--json", TESS_OPT_FLAG, &json, 1, NULL, 0, 0, 0},
                                    {NULL, TESS_OPT_FLAG, NULL, 0, NULL, 0, 0, 0}};
    int rc = tess_cli_parse(&a, argc, argv, opts, usage, 1);
    if (rc != TESS_EXIT_OK) {
        tess_cli_args_free(&a);
        return rc == TESS_CLI_HELP ? TESS_EXIT_OK : rc;
    }
    tess_platform platform;
    if (rc == TESS_EXIT_OK) rc = tess_cli_load_platform("cost", &a, &platform);
    if (rc == TESS_EXIT_OK) {
        tess_cost_report c;
        tess_cost_compute(&platform, &c);
        if (json) {
            printf("{\n  \"platform\": \"%s\",\n", platform.name);
            tess_write_cost_json(stdout, &platform, &c, "  ");
            printf("  \"technology_accounted\": %s\n}\n", c.accounted ? "true" : "false");
        } else {
            print_summary(&platform, &c);
        }
        tess_platform_free(&platform);
    }
    tess_cli_args_free(&a);
    return rc;
}
