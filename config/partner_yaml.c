/* s7config: the connection keys of a partner entry, shared by the inventory and bridge
 * loaders (partner_yaml.h). */
#include "config/partner_yaml.h"

#include "s7/plant.h"

int s7__yaml_partner_profile(yaml_cx *y, struct fy_node *v, const char *key, char *s, size_t cap,
                             const s7_profile **out)
{
    if (s7__yaml_scalar(y, v, key, s, cap))
        return -1;
    const s7_profile *prof = s7_profile_find(s);
    if (!prof)
        return s7__yaml_err(y, v,
                            "%s: unknown profile '%s' (profiles: s7-300, s7-400, s7-1200, "
                            "s7-1500, logo8, s7-200smart)",
                            key, s);
    *out = prof;
    return 0;
}

int s7__yaml_partner_rack(yaml_cx *y, struct fy_node *v, const char *key, int *out)
{
    long n;
    if (s7__yaml_get_long(y, v, key, 0, 7, "rack: 0", &n))
        return -1;
    *out = (int)n;
    return 0;
}

int s7__yaml_partner_slot(yaml_cx *y, struct fy_node *v, const char *key, int *out)
{
    long n;
    if (s7__yaml_get_long(y, v, key, 0, 31, "slot: 1 (S7-1200/1500; S7-300 uses 2)", &n))
        return -1;
    *out = (int)n;
    return 0;
}

int s7__yaml_partner_tsap(yaml_cx *y, struct fy_node *v, const char *key, uint16_t *local,
                          uint16_t *remote)
{
    char s[64];
    if (s7__yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    uint16_t l = 0, r = 0;
    if (s7_plant_parse_tsap(s, &l, &r))
        return s7__yaml_err(y, v,
                            "%s: '%s' must be LOCAL:REMOTE in hex, quoted, e.g. %s: \"0100:0200\" "
                            "(LOGO!) or \"1000:1001\" (S7-200 CP243-1)",
                            key, s, key);
    if (r == 0)
        return s7__yaml_err(y, v, "%s: '%s': the remote TSAP must not be 0000", key, s);
    *local = l;
    *remote = r;
    return 0;
}

int s7__yaml_partner_type(yaml_cx *y, struct fy_node *v, const char *key, int *out)
{
    char s[64];
    if (s7__yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    if (s7_plant_parse_type(s, out))
        return s7__yaml_err(y, v,
                            "%s: '%s' is no connection type: pg (programming device), op (operator "
                            "panel / HMI) or basic (S7 basic, e.g. PLC to PLC)",
                            key, s);
    return 0;
}
