/* fuzz_fhir.c - libFuzzer harness for silta-health's FHIR door: the bytes of
 * a POST body or an inbox file, parsed as XML (through silta_xml, with its
 * markup pre-scan) or JSON (jansson) by the first byte, as silta-health sniffs
 * it, into the one in-memory form; then mapped to a HealthReferral (patient,
 * references, dates) and written back out in both formats. `make fuzz` runs
 * it for FUZZ_TIME seconds over tests/fixtures/fhir and the health examples.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "health_map.h"
#include "health_res.h"
#include "silta_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    silta_xml_init();
    size_t i = 0;
    while (i < size && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
        i++;
    health_fmt_t fmt = i < size && data[i] == '{' ? HEALTH_FMT_JSON : HEALTH_FMT_XML;
    silta_err_t err = {0};
    json_t *doc = health_res_parse((const char *)data, size, fmt, (size_t)1 << 20, &err);
    if (!doc)
        return 0;
    health_referral_t r;
    if (health_map_document(doc, NULL, &r, &err) == 0)
        health_referral_clear(&r);
    for (int f = 0; f < 2; f++) {
        size_t len = 0;
        char *out = health_res_dump(doc, f ? HEALTH_FMT_XML : HEALTH_FMT_JSON, &len);
        free(out);
    }
    json_decref(doc);
    return 0;
}
