/* test_hub_policy.c - the routing policy: the shipped config/policy.xml loads and
 * says what the hub enforces; an invalid policy is refused naming file and line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub_policy.h"

static const char *s_src(void)
{
    const char *s = getenv("SILTA_SRC");
    return s && *s ? s : ".";
}

static void s_path(char *buf, size_t len, const char *rel)
{
    snprintf(buf, len, "%s/%s", s_src(), rel);
}

Test(hub_policy, shipped_policy_loads_and_decides)
{
    char policy[4096], xsd[4096];
    s_path(policy, sizeof policy, "config/policy.xml");
    s_path(xsd, sizeof xsd, "config/schemas/policy.xsd");
    silta_err_t err;
    hub_policy_t *p = hub_policy_load(policy, xsd, &err);
    cr_assert_not_null(p, "%s", err.msg);
    cr_assert(hub_policy_may_publish(p, "kela", "kela.notice.v1"));
    cr_assert_not(hub_policy_may_publish(p, "kela", "health.referral.v1"));
    cr_assert_not(hub_policy_may_publish(p, "kela", "no.such.type.v1"));
    const hub_policy_delivery_t *d = hub_policy_delivery(p, "health.referral.v1", "casestore");
    cr_assert_not_null(d);
    cr_assert_not_null(d->statute, "a referral reaches social work by statute");
    d = hub_policy_delivery(p, "health.incapacity.v1", "employment");
    cr_assert_not_null(d);
    cr_assert_str_eq(d->consent_purpose, "activation-planning");
    cr_assert_null(hub_policy_delivery(p, "health.referral.v1", "kela"), "no route, no delivery");
    char owner[64];
    hub_policy_queue_owner("bench-1", owner, sizeof owner);
    cr_assert_str_eq(owner, "bench");
    hub_policy_destroy(&p);
    cr_assert_null(p);
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

Test(hub_policy, invalid_policy_is_refused_with_file_and_line)
{
    char xsd[4096], path[] = "/tmp/silta-policy-XXXXXX";
    s_path(xsd, sizeof xsd, "config/schemas/policy.xsd");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    /* line 4: a route without publishers (the schema requires them) */
    s_write(path, "<?xml version=\"1.0\"?>\n"
                  "<policy xmlns=\"urn:silta:policy:1\">\n"
                  "  <route type=\"kela.notice.v1\" publishers=\"kela\"/>\n"
                  "  <route type=\"bad.type.v1\"/>\n"
                  "</policy>\n");
    silta_err_t err;
    hub_policy_t *p = hub_policy_load(path, xsd, &err);
    cr_assert_null(p);
    char where[300];
    snprintf(where, sizeof where, "%s:4:", path);
    cr_assert(strstr(err.msg, where), "names file and line: %s", err.msg);

    /* a deliver with both statute and consent is refused by the loader itself */
    s_write(path, "<?xml version=\"1.0\"?>\n"
                  "<policy xmlns=\"urn:silta:policy:1\">\n"
                  "  <route type=\"kela.notice.v1\" publishers=\"kela\">\n"
                  "    <deliver to=\"casestore\" statute=\"x\" consent=\"y\"/>\n"
                  "  </route>\n"
                  "</policy>\n");
    p = hub_policy_load(path, xsd, &err);
    cr_assert_null(p);
    cr_assert(strstr(err.msg, "exactly one of statute or consent"), "%s", err.msg);

    /* not XML at all */
    s_write(path, "this is not a policy\n");
    p = hub_policy_load(path, xsd, &err);
    cr_assert_null(p);
    cr_assert(strstr(err.msg, path), "names the file: %s", err.msg);
    unlink(path);
}

/* Issue 10: the shipped policy follows the law in force 2025-2026. Employment data
 * reaches social work under 380/2023 / 381/2023 (916/2012 and 1369/2014 are
 * repealed); work incapacity is health data and goes to the case store only on
 * the client's consent; disclosures out of social work cite asiakastietolaki 703/2023. */
Test(hub_policy, shipped_policy_cites_the_law_in_force)
{
    char policy[4096], xsd[4096];
    s_path(policy, sizeof policy, "config/policy.xml");
    s_path(xsd, sizeof xsd, "config/schemas/policy.xsd");
    silta_err_t err;
    hub_policy_t *p = hub_policy_load(policy, xsd, &err);
    cr_assert_not_null(p, "%s", err.msg);
    static const struct {
        const char *type, *to;
    } routes[] = {
        {"kela.notice.v1", "casestore"},
        {"kela.application.v1", "casestore"},
        {"kela.decision.v1", "casestore"},
        {"employment.statement.v1", "kela"},
        {"employment.statement.v1", "casestore"},
        {"employment.plan.v1", "casestore"},
        {"employment.registration.v1", "casestore"},
        {"health.referral.v1", "casestore"},
        {"health.incapacity.v1", "casestore"},
        {"health.incapacity.v1", "employment"},
        {"social.referral_status.v1", "health"},
        {"social.statement.v1", "kela"},
        {"social.plan.v1", "employment"},
        {"social.plan.v1", "kela"},
        {"social.client_plan.v1", "employment"},
        {"social.client_plan.v1", "kela"},
        {"hub.gap_alert.v1", "employment"},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        const hub_policy_delivery_t *d = hub_policy_delivery(p, routes[i].type, routes[i].to);
        cr_assert_not_null(d, "%s -> %s", routes[i].type, routes[i].to);
        if (!d->statute)
            continue;
        cr_assert(strstr(d->statute, "1369/2014") == NULL && strstr(d->statute, "916/2012") == NULL,
                  "%s -> %s cites a repealed act: %s", routes[i].type, routes[i].to, d->statute);
    }
    /* The client plan travels, with its omatyöntekijä, only on the client's consent. */
    for (size_t i = 0; i < 2; i++) {
        const hub_policy_delivery_t *cp =
            hub_policy_delivery(p, "social.client_plan.v1", i ? "kela" : "employment");
        cr_assert(cp->consent_purpose && strcmp(cp->consent_purpose, "coordinated-plan") == 0);
        cr_assert_null(cp->statute);
    }
    cr_assert_null(hub_policy_delivery(p, "social.client_plan.v1", "health"));
    const char *emp[] = {"employment.statement.v1", "employment.plan.v1",
                         "employment.registration.v1"};
    for (size_t i = 0; i < 3; i++) {
        const hub_policy_delivery_t *d = hub_policy_delivery(p, emp[i], "casestore");
        cr_assert(d->statute && strstr(d->statute, "380/2023") && strstr(d->statute, "381/2023"),
                  "%s: %s", emp[i], d->statute ? d->statute : "(consent)");
    }
    const hub_policy_delivery_t *d = hub_policy_delivery(p, "health.incapacity.v1", "casestore");
    cr_assert_null(d->statute, "health data goes on consent, not under a statute");
    cr_assert_str_eq(d->consent_purpose, "work-incapacity");
    const char *out[][2] = {{"social.referral_status.v1", "health"},
                            {"social.statement.v1", "kela"}};
    for (size_t i = 0; i < 2; i++) {
        d = hub_policy_delivery(p, out[i][0], out[i][1]);
        cr_assert(d->statute && strstr(d->statute, "703/2023"), "%s: %s", out[i][0],
                  d->statute ? d->statute : "(consent)");
    }
    hub_policy_destroy(&p);
}
