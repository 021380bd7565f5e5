/* test_casestore_client.c - the client's own page, its pure parts: a sign-in
 * code as typed (client_idp.h) and the consent purposes (client_consent.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "../../casestore/client/client_consent.h"
#include "../../casestore/client/client_idp.h"

Test(client_code, typed_forms_of_one_code_are_the_same_code)
{
    char out[CLIENT_CODE_LEN + 1];
    const char *same[] = {"ABCD-EFGH-JK23", "abcd-efgh-jk23", " ABCD EFGH JK23 ", "ABCDEFGHJK23"};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        cr_assert_eq(client_code_normalize(same[i], out), 0, "%s", same[i]);
        cr_assert_str_eq(out, "ABCDEFGHJK23");
    }
}

Test(client_code, what_cannot_be_a_code_is_refused)
{
    char out[CLIENT_CODE_LEN + 1];
    const char *bad[] = {"",
                         "ABCD-EFGH-JK2",            /* too short */
                         "ABCD-EFGH-JK234",          /* too long */
                         "ABCD-EFGH-JK2O",           /* O: not in the alphabet (0/O, 1/I) */
                         "ABCD-EFGH-JK21",           /* 1 */
                         "ABCD-EFGH-JK2I",           /* I */
                         "ABCD-EFGH-JK2;",           /* punctuation */
                         "ABCD-EFGH-JK2\xc3\xa4",    /* UTF-8 */
                         "' OR 1=1 --"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(client_code_normalize(bad[i], out), -1, "accepted \"%s\"", bad[i]);
    cr_assert_eq(client_code_normalize(NULL, out), -1);
}

/* Recipients of purpose in policy (the <deliver to consent=purpose> of every
 * route), as "a b c " in document order without repeats, into out. */
static void s_policy_recipients(xmlXPathContextPtr xp, const char *purpose, char *out, size_t len)
{
    out[0] = '\0';
    xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST "//*[local-name()='deliver'][@consent]", xp);
    cr_assert_not_null(r);
    for (int i = 0; r->nodesetval && i < r->nodesetval->nodeNr; i++) {
        xmlChar *c = xmlGetProp(r->nodesetval->nodeTab[i], BAD_CAST "consent");
        xmlChar *to = xmlGetProp(r->nodesetval->nodeTab[i], BAD_CAST "to");
        char word[64];
        snprintf(word, sizeof word, "%s ", (const char *)to);
        if (strcmp((const char *)c, purpose) == 0 && !strstr(out, word))
            snprintf(out + strlen(out), len - strlen(out), "%s", word);
        xmlFree(c);
        xmlFree(to);
    }
    xmlXPathFreeObject(r);
}

/* The purposes are config/policy.xml's consent-based routes, each with the
 * same recipients as the policy gives it: the page must not offer a consent the
 * hub does not enforce, nor name a recipient the policy does not (only the
 * synthetic "testing" purpose of the test deployment is not the client's). */
Test(client_consent, purposes_match_the_policy)
{
    const char *conf = getenv("SILTA_CONF_DIR");
    char path[512];
    snprintf(path, sizeof path, "%s/policy.xml", conf ? conf : "config");
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
    cr_assert_not_null(doc, "cannot read %s", path);
    xmlXPathContextPtr xp = xmlXPathNewContext(doc);
    size_t n;
    const client_purpose_t *p = client_purposes(&n);
    cr_assert_gt(n, 0);
    char want[256], have[256];
    for (size_t i = 0; i < n; i++) {
        s_policy_recipients(xp, p[i].purpose, want, sizeof want);
        have[0] = '\0';
        for (size_t k = 0; p[i].recipients[k]; k++)
            snprintf(have + strlen(have), sizeof have - strlen(have), "%s ", p[i].recipients[k]);
        cr_assert_str_eq(have, want, "purpose %s: the page names \"%s\", the policy \"%s\"",
                         p[i].purpose, have, want);
        cr_assert_eq(client_purpose_of(p[i].purpose), &p[i]);
    }
    xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST "//*[local-name()='deliver'][@consent]", xp);
    for (int i = 0; r->nodesetval && i < r->nodesetval->nodeNr; i++) {
        xmlChar *c = xmlGetProp(r->nodesetval->nodeTab[i], BAD_CAST "consent");
        if (strcmp((const char *)c, "testing") != 0)
            cr_expect_not_null(client_purpose_of((const char *)c),
                               "policy purpose %s is missing from the client's page", c);
        xmlFree(c);
    }
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(xp);
    xmlFreeDoc(doc);
    cr_assert_null(client_purpose_of("testing"), "synthetic purposes are not the client's");
    cr_assert_null(client_purpose_of(NULL));
}

/* Given means: status given, not expired before today. */
Test(client_consent, a_consent_counts_while_given_and_not_expired)
{
    read_consent_t c[3] = {{"c1", "given", "work-incapacity", "2026-12-01"},
                           {"c2", "revoked", "coordinated-plan", ""},
                           {"c3", "given", "activation-planning", ""}};
    read_own_t o;
    memset(&o, 0, sizeof o);
    o.consents.v = c;
    o.consents.n = 3;
    cr_assert_eq(client_consent_given(&o, "work-incapacity", "2026-12-01"), 1, "the last day");
    cr_assert_eq(client_consent_given(&o, "work-incapacity", "2026-12-02"), 0, "expired");
    cr_assert_eq(client_consent_given(&o, "coordinated-plan", "2026-12-01"), 0, "revoked");
    cr_assert_eq(client_consent_given(&o, "activation-planning", "2099-01-01"), 1, "no expiry");
}
