/* Unit tests for client/explain.c: the field faults carry their cause and fix, every code
 * of the protocol reference is named, names are unique per kind, unknown codes fall back
 * to a generic entry and never to NULL. */
#include <string.h>

#include "s7/explain.h"
#include "t.h"

/* Non-zero when s contains sub. */
static int has(const char *s, const char *sub) { return s && sub && strstr(s, sub) != NULL; }

static void test_put_get(void)
{
    const s7_explain *e = s7_explain_code(S7_EX_HEADER, 0x8104);
    CHECK(e != NULL);
    CHECK_INT(e->kind, S7_EX_HEADER);
    CHECK_INT(e->code, 0x8104);
    CHECK_STR(e->name, "PUT_GET_NOT_PERMITTED");
    CHECK(has(e->text, "not implemented"));
    CHECK(has(e->cause, "PUT/GET communication is not permitted"));
    CHECK(has(e->cause, "S7-1200/1500"));
    CHECK(has(e->fix, "Permit access with PUT/GET communication from remote partner"));
    CHECK(has(e->fix, "Protection & Security"));
    CHECK(has(e->fix, "download the hardware configuration"));
    /* The same code in a Userdata reply is a missing function, not PUT/GET. */
    e = s7_explain_code(S7_EX_USERDATA, 0x8104);
    CHECK_INT(e->kind, S7_EX_USERDATA);
    CHECK_INT(e->code, 0x8104);
    CHECK_STR(e->name, "FUNCTION_NOT_IMPLEMENTED");
    CHECK(!has(e->fix, "PUT/GET"));
    /* In the header of the answer to another Job (upload, download, PI, stop): the service
     * is not offered (S7-1200/1500), whatever PUT/GET says. */
    e = s7_explain_service(0x8104);
    CHECK_INT(e->kind, S7_EX_HEADER);
    CHECK_INT(e->code, 0x8104);
    CHECK_STR(e->name, "FUNCTION_NOT_IMPLEMENTED");
    CHECK(has(e->cause, "S7-1200/1500 do not offer this service"));
    CHECK(!has(e->fix, "Permit access with PUT/GET"));
    CHECK(s7_explain_service(0x8500) == s7_explain_code(S7_EX_HEADER, 0x8500));
    CHECK(s7_explain_service(0xD241) == s7_explain_code(S7_EX_HEADER, 0xD241));
}

static void test_field_faults(void)
{
    const s7_explain *e = s7_explain_code(S7_EX_HEADER, 0x8500);
    CHECK_STR(e->name, "PDU_SIZE_EXCEEDED");
    CHECK(has(e->cause, "negotiated PDU"));
    CHECK(has(e->cause, "bug"));

    e = s7_explain_code(S7_EX_ITEM, 0x0A);
    CHECK_INT(e->kind, S7_EX_ITEM);
    CHECK_STR(e->name, "OBJECT_NOT_FOUND");
    CHECK_STR(e->text, "object does not exist");
    CHECK(has(e->cause, "DB does not exist"));
    CHECK(has(e->cause, "area is not available"));

    e = s7_explain_code(S7_EX_ITEM, 0x05);
    CHECK_STR(e->name, "ADDRESS_OUT_OF_RANGE");
    CHECK(has(e->cause, "shorter than requested"));
    CHECK(has(e->cause, "optimized block access"));
    CHECK(has(e->fix, "untick \"Optimized block access\""));
    CHECK(has(e->fix, "download"));

    e = s7_explain_code(S7_EX_ITEM, 0x03);
    CHECK_STR(e->name, "ACCESS_DENIED");
    CHECK(has(e->cause, "protection"));
    CHECK(has(e->cause, "read-only"));

    CHECK_STR(s7_explain_code(S7_EX_ITEM, 0x06)->name, "TYPE_NOT_SUPPORTED");
    CHECK_STR(s7_explain_code(S7_EX_ITEM, 0x07)->name, "TYPE_INCONSISTENT");
    CHECK_STR(s7_explain_code(S7_EX_ITEM, 0x01)->name, "HARDWARE_FAULT");
    CHECK_STR(s7_explain_code(S7_EX_ITEM, 0x00)->name, "RESERVED");
    CHECK_STR(s7_explain_code(S7_EX_ITEM, 0xFF)->name, "OK");

    e = s7_explain_code(S7_EX_USERDATA, 0xD402);
    CHECK(has(e->text, "information function unavailable"));
    CHECK(has(e->cause, "SZL"));
    e = s7_explain_code(S7_EX_USERDATA, 0xD401);
    CHECK_STR(e->name, "INFO_FUNCTION_UNAVAILABLE");
    CHECK(has(e->cause, "does not support"));

    e = s7_explain_code(S7_EX_HEADER, 0xD241);
    CHECK_STR(e->name, "PROTECTION_LEVEL");
    CHECK(has(e->text, "protection level"));
    CHECK(has(e->fix, "password"));
    CHECK(has(s7_explain_code(S7_EX_USERDATA, 0xD0A1)->text, "protection level"));

    CHECK_STR(s7_explain_code(S7_EX_USERDATA, 0xD209)->name, "BLOCK_NOT_FOUND");
    CHECK_STR(s7_explain_code(S7_EX_HEADER, 0x8304)->name, "RESOURCE_BOTTLENECK");
    CHECK(has(s7_explain_code(S7_EX_HEADER, 0x8304)->cause, "resource"));
    CHECK_STR(s7_explain_code(S7_EX_HEADER, 0x8701)->name, "OBJECT_ADDRESSING_ERROR");
    CHECK_STR(s7_explain_code(S7_EX_HEADER, 0x8702)->name, "SERVICE_NOT_SUPPORTED");
    CHECK_STR(s7_explain_code(S7_EX_HEADER, 0x8703)->name, "OBJECT_ACCESS_REFUSED");
    CHECK_STR(s7_explain_code(S7_EX_HEADER, 0x8704)->name, "OBJECT_DAMAGED");
}

/* Every code named in the protocol reference (section 2.2 and 4.7) has its own entry. */
static void test_reference_codes(void)
{
    static const uint16_t hdr[] = {
        0x0000, 0x0110, 0x0111, 0x0112, 0x0113, 0x0114, 0x0115, 0x0116, 0x0119, 0x011C, 0x0140,
        0x0141, 0x8001, 0x8003, 0x8100, 0x8104, 0x8204, 0x8205, 0x8301, 0x8302, 0x8304, 0x8305,
        0x8306, 0x8307, 0x8401, 0x8402, 0x8404, 0x8405, 0x8500, 0x8503, 0x8701, 0x8702, 0x8703,
        0x8704, 0xD001, 0xD081, 0xD0A1, 0xD0CC, 0xD201, 0xD209, 0xD241, 0xD2C2, 0xD401, 0xD402,
        0xD404, 0xD405, 0xD406, 0xD407, 0xD408, 0xD409, 0xD601, 0xD602, 0xD603, 0xD604, 0xD605,
        0xD801, 0xD802, 0xD803, 0xD804, 0xD805, 0xD806, 0xD807, 0xDC01, 0xE201, 0xE202, 0xE203,
        0xE204, 0xE205, 0xE206, 0xEF01, 0xEF02};
    static const uint8_t items[] = {0xFF, 0x00, 0x01, 0x03, 0x05, 0x06, 0x07, 0x0A};
    for (size_t i = 0; i < sizeof hdr / sizeof hdr[0]; i++) {
        const s7_explain *h = s7_explain_code(S7_EX_HEADER, hdr[i]);
        const s7_explain *u = s7_explain_code(S7_EX_USERDATA, hdr[i]);
        CHECK_INT(h->code, hdr[i]);
        CHECK_INT(u->code, hdr[i]);
        CHECK(h->name && h->name[0] && strncmp(h->name, "UNKNOWN", 7) != 0);
        CHECK(h->text && h->text[0]);
        CHECK(h->cause && h->fix);
        CHECK(s7_plc_strerror(hdr[i]) == h->text);
    }
    for (size_t i = 0; i < sizeof items; i++) {
        const s7_explain *e = s7_explain_code(S7_EX_ITEM, items[i]);
        CHECK_INT(e->code, items[i]);
        CHECK(strncmp(e->name, "UNKNOWN", 7) != 0);
        CHECK(s7_item_strerror(items[i]) == e->text);
        /* Every failure code says what to do. */
        if (items[i] != 0xFF)
            CHECK(e->cause[0] && e->fix[0]);
    }
    CHECK_STR(s7_plc_strerror(0x8500), "S7 protocol error: wrong frames");
    CHECK_STR(s7_item_strerror(0x0A), "object does not exist");
    CHECK_STR(s7_item_strerror(0x05), "invalid address (address out of range)");
}

/* Names are unique within a kind, entries are complete, and the lookup is exact. */
static void test_tables(void)
{
    static const s7_explain *seen[65536];
    static const s7_explain_kind kinds[] = {S7_EX_HEADER, S7_EX_USERDATA, S7_EX_ITEM};
    for (size_t k = 0; k < 3; k++) {
        size_t n = 0, dup = 0, bad = 0, wrongkind = 0;
        unsigned max = kinds[k] == S7_EX_ITEM ? 0x100u : 0x10000u;
        for (unsigned c = 0; c < max; c++) {
            const s7_explain *e = s7_explain_code(kinds[k], (uint16_t)c);
            if (!e || !e->name || !e->text || !e->cause || !e->fix) {
                bad++;
                continue;
            }
            if (e->kind != kinds[k])
                wrongkind++;
            if (e->code != c)
                continue; /* generic fallback */
            for (size_t j = 0; j < n; j++)
                if (strcmp(seen[j]->name, e->name) == 0)
                    dup++;
            seen[n++] = e;
        }
        CHECK_INT(bad, 0);
        CHECK_INT(dup, 0);
        CHECK_INT(wrongkind, 0);
        CHECK(n >= (kinds[k] == S7_EX_ITEM ? 8u : 100u));
    }
}

static void test_unknown(void)
{
    const s7_explain *e = s7_explain_code(S7_EX_HEADER, 0x8199);
    CHECK(e != NULL);
    CHECK_STR(e->name, "UNKNOWN_APPLICATION_ERROR");
    CHECK(has(e->text, "application relationship"));
    e = s7_explain_code(S7_EX_USERDATA, 0xD4FE);
    CHECK_STR(e->name, "UNKNOWN_DIAGNOSTICS_ERROR");
    e = s7_explain_code(S7_EX_HEADER, 0xD1FF);
    CHECK_STR(e->name, "UNKNOWN_TIS_ERROR");
    e = s7_explain_code(S7_EX_HEADER, 0x1234);
    CHECK_STR(e->name, "UNKNOWN_ERROR");
    CHECK(e->text[0] != 0);
    e = s7_explain_code(S7_EX_ITEM, 0x42);
    CHECK_STR(e->name, "UNKNOWN_ITEM_ERROR");
    CHECK_INT(e->kind, S7_EX_ITEM);
    e = s7_explain_code(S7_EX_ITEM, 0x1FF);
    CHECK_STR(e->name, "UNKNOWN_ITEM_ERROR");
    e = s7_explain_code(S7_EX_NONE, 0x8104);
    CHECK_INT(e->kind, S7_EX_NONE);
    CHECK_STR(s7_item_strerror(0x42), "unknown item return code");
    CHECK_STR(s7_plc_strerror(0x1234), "unknown error code");
    e = s7_explain_code((s7_explain_kind)99, 1);
    CHECK(e != NULL);
}

/* The identifiers of the JSON vocabulary (docs/json.md): lowercase, one per name. */
static void test_ids(void)
{
    char buf[48], low[48];
    for (int err = -1; err >= -30; err--) {
        const char *name = s7_err_name(err);
        size_t i = 0;
        CHECK(strncmp(name, "S7_ERR_", 7) == 0);
        for (const char *p = name + 7; *p && i + 1 < sizeof low; p++)
            low[i++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
        low[i] = 0;
        CHECK_STR(s7_err_id(err), low);
    }
    CHECK_STR(s7_err_id(0), "ok");
    CHECK_STR(s7_err_id(S7_ERR_REFUSED), "refused");
    CHECK_STR(s7_err_id(S7_ERR_CR_REJECTED), "cr_rejected");
    CHECK_STR(s7_err_id(-31), "unknown");
    CHECK_STR(s7_err_id(5), "unknown");
    CHECK_STR(s7_explain_id(s7_explain_code(S7_EX_HEADER, 0x8104), buf, sizeof buf),
              "put_get_not_permitted");
    CHECK_STR(s7_item_status_id(0, 0, buf, sizeof buf), "ok");
    CHECK_STR(s7_item_status_id(S7_ERR_ITEM, 0x0A, buf, sizeof buf), "object_not_found");
    CHECK_STR(s7_item_status_id(S7_ERR_ITEM, 0x05, buf, sizeof buf), "address_out_of_range");
    CHECK_STR(s7_item_status_id(S7_ERR_ITEM, 0x03, buf, sizeof buf), "access_denied");
    CHECK_STR(s7_item_status_id(S7_ERR_ITEM, 0x06, buf, sizeof buf), "type_not_supported");
    CHECK_STR(s7_item_status_id(S7_ERR_ITEM, 0x42, buf, sizeof buf), "unknown_item_error");
    CHECK_STR(s7_item_status_id(S7_ERR_TIMEOUT, 0, buf, sizeof buf), "timeout");
    /* truncated into a small buffer, still terminated */
    CHECK_STR(s7_item_status_id(S7_ERR_ITEM, 0x0A, buf, 7), "object");
}

int main(void)
{
    test_ids();
    test_put_get();
    test_field_faults();
    test_reference_codes();
    test_tables();
    test_unknown();
    return t_done();
}
