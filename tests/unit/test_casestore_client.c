/* test_casestore_client.c - the client's own page, its pure parts: a sign-in
 * code as typed (client_idp.h) and the consent purposes (client_consent.h). */
#include <criterion/criterion.h>
#include <string.h>

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

/* The purposes are config/policy.xml's consent-based routes, each with recipients. */
Test(client_consent, purposes_match_the_policy)
{
    size_t n;
    const client_purpose_t *p = client_purposes(&n);
    cr_assert_eq(n, 3);
    const char *want[] = {"coordinated-plan", "work-incapacity", "activation-planning"};
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(p[i].purpose, want[i]);
        cr_assert_not_null(p[i].recipients[0], "%s names no recipient", p[i].purpose);
        cr_assert_eq(client_purpose_of(want[i]), &p[i]);
    }
    cr_assert_null(client_purpose_of("testing"), "synthetic purposes are not the client's");
    cr_assert_null(client_purpose_of(NULL));
    cr_assert_str_eq(client_purpose_of("work-incapacity")->recipients[0], "casestore");
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
