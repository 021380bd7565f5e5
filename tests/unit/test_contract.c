/* test_contract.c - silta_contract through its header: the cases each contract
 * must take and must refuse, one by one, with the field named and no value echoed.
 * The generated and mutated payloads of every type are in test_casestore_contract.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "events.pb-c.h"
#include "silta_contract.h"

#define HETU "010185-901E"

static uint8_t s_buf[1 << 16];

/* Pack m, decode it through the contract of type; 0 or SILTA_EINVAL, reason in err. */
static int s_run(const char *type, const ProtobufCMessage *m, silta_err_t *err)
{
    size_t n = protobuf_c_message_pack(m, s_buf);
    memset(err, 0, sizeof *err);
    ProtobufCMessage *d = silta_contract_decode(type, s_buf, n, err);
    int rc = silta_contract_check(type, m, NULL);
    cr_assert_eq(rc == 0, d != NULL, "check and decode disagree on %s", type);
    silta_contract_free(d);
    return d ? 0 : SILTA_EINVAL;
}

static void s_ok(const char *type, const ProtobufCMessage *m)
{
    silta_err_t err;
    cr_assert_eq(s_run(type, m, &err), 0, "%s refused: %s", type, err.msg);
}

/* Refused, the reason starts "field: ", and never holds the hetu or `value`. */
static void s_bad(const char *type, const ProtobufCMessage *m, const char *field, const char *value)
{
    silta_err_t err;
    cr_assert_eq(s_run(type, m, &err), SILTA_EINVAL, "%s: %s=%s accepted", type, field,
                 value ? value : "");
    cr_assert_eq(err.code, SILTA_EINVAL);
    char want[128];
    snprintf(want, sizeof want, "%s: ", field);
    cr_assert(strncmp(err.msg, want, strlen(want)) == 0, "%s: reason '%s' should name %s", type,
              err.msg, field);
    cr_assert(strstr(err.msg, HETU) == NULL, "reason echoes the hetu: %s", err.msg);
    if (value && strlen(value) >= 4)
        cr_assert(strstr(err.msg, value) == NULL, "reason echoes the value: %s", err.msg);
}

static Silta__KelaNotice s_notice(void)
{
    Silta__KelaNotice m = SILTA__KELA_NOTICE__INIT;
    m.hetu = HETU;
    m.kind = "basic_amount_reduction";
    m.date = "2025-03-13";
    m.reduction_percent = 20;
    m.free_text = "Toistuva kieltäytyminen\n\ttyöstä";
    return m;
}

Test(contract, every_type_of_events_proto_has_a_contract)
{
    size_t n;
    const char *const *types = silta_contract_types(&n);
    cr_assert_eq(n, 16);
    for (size_t i = 0; i < n; i++)
        cr_assert_not_null(silta_contract_descriptor(types[i]), "%s", types[i]);
    cr_assert_null(silta_contract_descriptor("bench.event.v1"));
    cr_assert_null(silta_contract_descriptor(NULL));
    cr_assert_eq(silta_contract_descriptor("kela.decision.v1"), &silta__kela_benefit__descriptor);
    cr_assert_eq(silta_contract_descriptor("social.plan.v1"), &silta__coordinated_plan__descriptor);
}

Test(contract, dates_are_real_calendar_dates_without_zone)
{
    const char *ok[] = {"2025-03-13", "2024-02-29", "2000-02-29", "1900-01-01", "2199-12-31"};
    const char *bad[] = {"2025-02-30", "2023-02-29", "1900-02-29", "2025-03-13Z",
                         "2025-03-13+02:00", "2025-03-14T23:30:00+02:00", "2025-3-13",
                         "13.03.2025", "1899-12-31", "2200-01-01", "2025-13-01", "2025-00-10",
                         "2025-04-31", "2025-+3-01", " 2025-03-1", ""};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        cr_assert(silta_contract_date_valid(ok[i]), "%s", ok[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_not(silta_contract_date_valid(bad[i]), "%s", bad[i]);
        if (!*bad[i])
            continue;
        Silta__KelaNotice m = s_notice();
        m.date = (char *)bad[i];
        s_bad("kela.notice.v1", &m.base, "date", bad[i]);
    }
}

Test(contract, kela_notice_kinds_and_reductions)
{
    Silta__KelaNotice m = s_notice();
    s_ok("kela.notice.v1", &m.base);
    const char *kinds[] = {"kehotus", "forwarded_application", "need_for_social_work",
                           "under25_basic_assistance_4m", "immigrant_2m"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        m.kind = (char *)kinds[i];
        s_ok("kela.notice.v1", &m.base);
    }
    m.kind = "Kehotus";
    s_bad("kela.notice.v1", &m.base, "kind", "Kehotus");
    m.kind = "";
    s_bad("kela.notice.v1", &m.base, "kind", NULL);
    m = s_notice();
    unsigned ok[] = {0, 20, 40, 50}, bad[] = {10, 30, 60, 100, 4000000000u};
    for (size_t i = 0; i < 4; i++) {
        m.reduction_percent = ok[i];
        s_ok("kela.notice.v1", &m.base);
    }
    for (size_t i = 0; i < 5; i++) {
        m.reduction_percent = bad[i];
        s_bad("kela.notice.v1", &m.base, "reduction_percent", NULL);
    }
}

Test(contract, benefit_ranges_and_period_order)
{
    Silta__KelaBenefit b = SILTA__KELA_BENEFIT__INIT;
    b.hetu = HETU;
    b.benefit = "sairauspaivaraha";
    b.status = "granted";
    b.period_start = "2025-01-01";
    b.period_end = "2025-01-01";
    b.sickness_days_used = 300;
    s_ok("kela.decision.v1", &b.base);
    b.sickness_days_used = 301;
    s_bad("kela.decision.v1", &b.base, "sickness_days_used", NULL);
    b.sickness_days_used = 0;
    b.period_end = "2024-12-31";
    s_bad("kela.application.v1", &b.base, "period_end", NULL);
    b.period_end = "";
    s_ok("kela.application.v1", &b.base);
    b.status = "paused";
    s_bad("kela.application.v1", &b.base, "status", "paused");

    Silta__EmploymentStatement st = SILTA__EMPLOYMENT_STATEMENT__INIT;
    st.hetu = HETU;
    st.statement_id = "LA-902";
    st.outcome = "waiting_period";
    st.waiting_days = 365;
    s_ok("employment.statement.v1", &st.base);
    st.waiting_days = 366;
    s_bad("employment.statement.v1", &st.base, "waiting_days", NULL);

    Silta__HealthIncapacity inc = SILTA__HEALTH_INCAPACITY__INIT;
    inc.hetu = HETU;
    inc.period_start = "2025-03-01";
    s_bad("health.incapacity.v1", &inc.base, "period_end", NULL);
    inc.period_end = "2025-02-28";
    s_bad("health.incapacity.v1", &inc.base, "period_end", NULL);
    inc.period_end = "2025-03-31";
    s_ok("health.incapacity.v1", &inc.base);
}

Test(contract, required_fields_a_consumer_needs)
{
    Silta__HealthReferral r = SILTA__HEALTH_REFERRAL__INIT;
    r.hetu = HETU;
    r.authored = "2025-03-14";
    s_bad("health.referral.v1", &r.base, "referral_id", NULL);
    r.referral_id = "sr-1";
    s_ok("health.referral.v1", &r.base);
    r.priority = "soon";
    s_bad("health.referral.v1", &r.base, "priority", NULL);

    Silta__ReferralStatus rs = SILTA__REFERRAL_STATUS__INIT;
    rs.hetu = HETU;
    rs.referral_id = "sr-1";
    s_bad("social.referral_status.v1", &rs.base, "status", NULL);
    rs.status = "in-progress";
    s_ok("social.referral_status.v1", &rs.base);

    Silta__SocialAssessment as = SILTA__SOCIAL_ASSESSMENT__INIT;
    as.hetu = HETU;
    as.assessment_id = "A-1";
    s_bad("social.assessment.v1", &as.base, "status", NULL);
    as.status = "accepted"; /* a referral status, not an assessment's */
    s_bad("social.assessment.v1", &as.base, "status", NULL);
    as.status = "started";
    as.referral_id = "sr-1";
    as.date = "2026-11-14";
    s_ok("social.assessment.v1", &as.base);
    as.notice_event_id = "n908";
    s_bad("social.assessment.v1", &as.base, "notice_event_id", NULL);

    Silta__NoticeHandled nh = SILTA__NOTICE_HANDLED__INIT;
    nh.hetu = HETU;
    nh.notice_event_id = "n908";
    s_bad("social.notice_handled.v1", &nh.base, "notice_event_id", NULL);
    nh.notice_event_id = "01890a5d-ac96-774b-bcce-b302099a8057";
    s_ok("social.notice_handled.v1", &nh.base);

    Silta__Consent c = SILTA__CONSENT__INIT;
    c.hetu = HETU;
    c.consent_id = "C-1";
    c.status = "given";
    s_bad("social.consent.v1", &c.base, "purpose", NULL);
    c.purpose = "coordinated-plan";
    s_ok("social.consent.v1", &c.base);
}

Test(contract, hetu_is_required_and_valid_and_never_echoed)
{
    Silta__KelaNotice m = s_notice();
    m.hetu = "";
    s_bad("kela.notice.v1", &m.base, "hetu", NULL);
    const char *bad[] = {"010185-901F", "010185-901e", "010185-901E ", "320185-901E", "0101"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m.hetu = (char *)bad[i];
        s_bad("kela.notice.v1", &m.base, "hetu", bad[i]);
    }
}

Test(contract, strings_are_postgres_utf8_without_control_characters)
{
    const char *bad[] = {"\xc3", "a\xffz", "\xc0\x80", "\xe0\x80\xaf", "\xed\xa0\x80",
                         "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "a\x01z", "a\x7fz", "a\xc2\x85z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Silta__KelaNotice m = s_notice();
        m.free_text = (char *)bad[i];
        s_bad("kela.notice.v1", &m.base, "free_text", NULL);
        m = s_notice();
        m.kela_reference = (char *)bad[i];
        s_bad("kela.notice.v1", &m.base, "kela_reference", NULL);
    }
    Silta__KelaNotice m = s_notice();
    m.kela_reference = "TT\n904";
    s_bad("kela.notice.v1", &m.base, "kela_reference", NULL);
    m.kela_reference = "ÄÖÅ-€-𝄞";
    s_ok("kela.notice.v1", &m.base);
    char *att[2] = {"liite.pdf", "bad\x01"};
    m.attachments = att;
    m.n_attachments = 2;
    s_bad("kela.notice.v1", &m.base, "attachments[1]", NULL);
}

Test(contract, lengths_are_bounded)
{
    static char big[20000];
    memset(big, 'a', sizeof big - 1);
    Silta__KelaNotice m = s_notice();
    m.free_text = big;
    s_bad("kela.notice.v1", &m.base, "free_text", NULL);
    m = s_notice();
    big[300] = '\0';
    m.kela_reference = big;
    s_bad("kela.notice.v1", &m.base, "kela_reference", NULL);
}

Test(contract, plan_items_are_checked_each)
{
    Silta__PlanItem a = SILTA__PLAN_ITEM__INIT, b = SILTA__PLAN_ITEM__INIT;
    a.item_id = "notice:1";
    a.status = "open";
    a.due_date = "2025-03-20";
    b.item_id = "emp:TY-1";
    b.status = "cancelled";
    Silta__PlanItem *items[2] = {&a, &b};
    Silta__CoordinatedPlan p = SILTA__COORDINATED_PLAN__INIT;
    p.hetu = HETU;
    p.version = 3;
    p.items = items;
    p.n_items = 2;
    s_ok("social.plan.v1", &p.base);
    b.due_date = "2025-02-30";
    s_bad("social.plan.v1", &p.base, "items[1].due_date", NULL);
    b.due_date = "";
    a.status = "closed";
    s_bad("social.plan.v1", &p.base, "items[0].status", NULL);
}

Test(contract, garbage_and_truncated_bytes_do_not_decode)
{
    silta_err_t err;
    cr_assert_null(silta_contract_decode("kela.notice.v1", (const uint8_t *)"\xff\xff\xff garbage",
                                         12, &err));
    cr_assert(strncmp(err.msg, "payload: ", 9) == 0, "%s", err.msg);
    Silta__KelaNotice m = s_notice();
    size_t n = protobuf_c_message_pack(&m.base, s_buf);
    cr_assert_null(silta_contract_decode("kela.notice.v1", s_buf, n - 1, &err));
    cr_assert(strncmp(err.msg, "payload: ", 9) == 0, "%s", err.msg);
    cr_assert_null(silta_contract_decode("bench.event.v1", s_buf, n, &err));
    cr_assert(strncmp(err.msg, "type: ", 6) == 0, "%s", err.msg);
    /* A message of another type is refused, not misread. */
    Silta__Consent c = SILTA__CONSENT__INIT;
    cr_assert_eq(silta_contract_check("kela.notice.v1", &c.base, &err), SILTA_EINVAL);
}

Test(contract, check_field_names_the_field_as_a_static_string)
{
    Silta__KelaNotice m = s_notice();
    m.date = "2025-03-13Z";
    const char *field = NULL;
    silta_err_t err;
    cr_assert_eq(silta_contract_check_field("kela.notice.v1", &m.base, &field, &err),
                 SILTA_EINVAL);
    cr_assert_str_eq(field, "date");
    cr_assert_str_eq(err.msg, "date: not a date (YYYY-MM-DD, 1900..2199)");
}

/* Issue 10: a hetu born after today is refused where data enters (adapters, the
 * hub's PUBLISH), never by the consumers' decode of what is already journalled. */
Test(contract, inbound_refuses_a_hetu_born_after_today_decode_does_not)
{
    Silta__KelaNotice m = s_notice();
    m.hetu = "011226A950N"; /* born 1.12.2026 */
    const char *field = "-";
    silta_err_t err = {0};
    cr_assert_eq(silta_contract_check_inbound("kela.notice.v1", &m.base, 20261130, &field, &err),
                 SILTA_EINVAL);
    cr_assert_str_eq(err.msg, "hetu: birth date is in the future");
    cr_assert_str_eq(field, "hetu");
    cr_assert_eq(silta_contract_check_born(&m.base, 20261130, &err), SILTA_EINVAL);
    cr_assert_str_eq(err.msg, "hetu: birth date is in the future");
    /* born today, and every later day: accepted */
    cr_assert_eq(silta_contract_check_inbound("kela.notice.v1", &m.base, 20261201, &field, &err), 0,
                 "%s", err.msg);
    cr_assert_eq(silta_contract_check_born(&m.base, 20261201, &err), 0);
    /* replay: the consumers' check takes it on any day */
    s_ok("kela.notice.v1", &m.base);
    /* the contract's own failures come first and keep their field */
    m.kind = "lottery_win";
    cr_assert_eq(silta_contract_check_inbound("kela.notice.v1", &m.base, 20261130, &field, &err),
                 SILTA_EINVAL);
    cr_assert_str_eq(field, "kind");
    /* every century sign of the 2000s */
    m = s_notice();
    for (const char *sign = "ABCDEF"; *sign; sign++) {
        char h[12] = "011226A950N";
        h[6] = *sign;
        m.hetu = h;
        cr_assert_eq(silta_contract_check_inbound("kela.notice.v1", &m.base, 20261130, NULL, &err),
                     SILTA_EINVAL, "sign %c", *sign);
    }
    Silta__HealthIncapacity inc = SILTA__HEALTH_INCAPACITY__INIT;
    inc.hetu = "010199F953R"; /* born 1.1.2099 */
    inc.period_start = "2026-11-01";
    inc.period_end = "2026-11-30";
    cr_assert_eq(
        silta_contract_check_inbound("health.incapacity.v1", &inc.base, 20261130, &field, &err),
        SILTA_EINVAL);
    cr_assert_str_eq(err.msg, "hetu: birth date is in the future");
}

/* Issue 10: the reason of a reduction (10 § as amended by HE 116/2025), optional. */
Test(contract, kela_notice_reduction_reasons)
{
    Silta__KelaNotice m = s_notice();
    m.reduction_percent = 50;
    const char *ok[] = {"primary_benefit_not_applied", "not_registered_jobseeker",
                        "labour_policy_sanction", "integration_plan", ""};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        m.reduction_reason = (char *)ok[i];
        s_ok("kela.notice.v1", &m.base);
    }
    m.kind = "kehotus";
    m.reduction_percent = 0;
    m.reduction_reason = "not_registered_jobseeker";
    s_ok("kela.notice.v1", &m.base);
    const char *bad[] = {"bad_luck", "Integration_plan", "integration plan"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m.reduction_reason = (char *)bad[i];
        s_bad("kela.notice.v1", &m.base, "reduction_reason", bad[i]);
    }
}

/* social.assessment.v1 completed names its need areas (SHL 11 § codes only). */
Test(contract, assessment_need_areas_are_codes_of_the_list)
{
    Silta__SocialAssessment as = SILTA__SOCIAL_ASSESSMENT__INIT;
    as.hetu = HETU;
    as.assessment_id = "referral:R-1";
    as.status = "completed";
    char *areas[3] = {"housing", "financial", "functional_capacity"};
    as.need_areas = areas;
    as.n_need_areas = 3;
    s_ok("social.assessment.v1", &as.base);
    areas[1] = "money";
    s_bad("social.assessment.v1", &as.base, "need_areas[1]", "money");
    areas[1] = "financial";
    char *many[11] = {"housing", "housing", "housing", "housing", "housing", "housing",
                      "housing", "housing", "housing", "housing", "housing"};
    as.need_areas = many;
    as.n_need_areas = 11;
    s_bad("social.assessment.v1", &as.base, "need_areas", NULL);
}

/* social.client_plan.v1: the omatyöntekijä is required, GAS is -2..2, each
 * action names its agency, the measure's total is a number. */
Test(contract, client_plan_goals_actions_and_scores)
{
    Silta__ClientPlanGoal g1 = SILTA__CLIENT_PLAN_GOAL__INIT, g2 = SILTA__CLIENT_PLAN_GOAL__INIT;
    g1.goal_id = "g1";
    g1.text = "Haluan oman asunnon";
    g1.gas = "-1";
    g2.goal_id = "g2";
    g2.text = "Työkokeiluun keväällä";
    Silta__ClientPlanAction a = SILTA__CLIENT_PLAN_ACTION__INIT;
    a.action_id = "a1";
    a.agency = "employment";
    a.title = "Työkokeilupaikka";
    a.responsible = "Työllisyyspalvelut / Virtanen";
    a.due_date = "2026-03-31";
    Silta__ClientPlanGoal *goals[2] = {&g1, &g2};
    Silta__ClientPlanAction *actions[1] = {&a};
    Silta__ClientPlan p = SILTA__CLIENT_PLAN__INIT;
    p.hetu = HETU;
    p.plan_id = "cp-1";
    p.kind = "start";
    p.date = "2026-02-02";
    p.review_date = "2026-05-04";
    p.responsible_worker = "Liisa Omatyöntekijä";
    p.goals = goals;
    p.n_goals = 2;
    p.actions = actions;
    p.n_actions = 1;
    p.measure_name = "AUDIT";
    p.measure_value = "12.5";
    s_ok("social.client_plan.v1", &p.base);
    cr_assert_eq(silta_contract_descriptor("social.client_plan.v1"), &silta__client_plan__descriptor);
    g1.gas = "3";
    s_bad("social.client_plan.v1", &p.base, "goals[0].gas", NULL);
    g1.gas = "+2";
    s_bad("social.client_plan.v1", &p.base, "goals[0].gas", NULL);
    g1.gas = "2";
    a.agency = "police";
    s_bad("social.client_plan.v1", &p.base, "actions[0].agency", NULL);
    a.agency = "employment";
    a.due_date = "2026-02-30";
    s_bad("social.client_plan.v1", &p.base, "actions[0].due_date", NULL);
    a.due_date = "";
    p.measure_value = "12,5";
    s_bad("social.client_plan.v1", &p.base, "measure_value", NULL);
    p.measure_value = "-3";
    s_ok("social.client_plan.v1", &p.base);
    p.responsible_worker = "";
    s_bad("social.client_plan.v1", &p.base, "responsible_worker", NULL);
    p.responsible_worker = "Liisa";
    p.kind = "draft";
    s_bad("social.client_plan.v1", &p.base, "kind", NULL);
    p.kind = "review";
    p.review_date = "2026-13-01";
    s_bad("social.client_plan.v1", &p.base, "review_date", NULL);
}

Test(contract, decimal_numbers_as_a_measure_total_is_written)
{
    static const char *const ok[] = {"27", "3.5", "-1", "0", "-0.25", "007"};
    static const char *const bad[] = {"", "3,5", "1.", ".5", "-", "+1", "1e3", "1.2.3", " 1"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        cr_assert(silta_contract_decimal_valid(ok[i]), "%s refused", ok[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert(!silta_contract_decimal_valid(bad[i]), "'%s' accepted", bad[i]);
}
