/* test_inbox_login.c - issue 11, item 4: failed inbox logins are throttled per
 * account and per address (exponential back-off, the wait shown to the user, each
 * attempt in the access log with the username), and the cookies are Secure whenever
 * the inbox is reached over TLS - the demo on loopback being the one exception.
 * Raw HTTP against a real silta-casestore, as a password-guessing script would.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"
#include "silta_env.h"

static char *s_home;

static void s_fini(void)
{
    harness_home_destroy(&s_home);
}
TestSuite(inbox_login, .fini = s_fini);

static int s_port(void)
{
    const char *bind = getenv("SILTA_INBOX_BIND");
    cr_assert_not_null(bind, "no SILTA_INBOX_BIND");
    return atoi(strrchr(bind, ':') + 1);
}

/* The value of cookie `name` in the answer's Set-Cookie headers into out ("" none),
 * and the whole header line into line. */
static void s_set_cookie(const char *reply, const char *name, char *out, size_t len, char *line,
                         size_t llen)
{
    out[0] = line[0] = '\0';
    char head[64];
    snprintf(head, sizeof head, "Set-Cookie: %s=", name);
    const char *p = strstr(reply, head);
    if (!p)
        return;
    const char *eol = strstr(p, "\r\n");
    snprintf(line, llen, "%.*s", (int)(eol ? eol - p : (long)strlen(p)), p);
    p += strlen(head);
    size_t n = strcspn(p, ";\r\n");
    snprintf(out, len, "%.*s", (int)n, p);
}

static void s_urlenc(const char *in, char *out, size_t len)
{
    size_t w = 0;
    for (; *in && w + 4 < len; in++) {
        unsigned char c = (unsigned char)*in;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-._~", c))
            out[w++] = (char)c;
        else
            w += (size_t)snprintf(out + w, len - w, "%%%02X", c);
    }
    out[w] = '\0';
}

/* GET /login, then POST it with the double-submit token. Returns the POST's status;
 * *reply is its whole answer (caller frees). */
static int s_login(const char *user, const char *pass, char **reply)
{
    char *form = NULL;
    cr_assert_eq(harness_http_request(s_port(), "GET", "/login", NULL, NULL, 0, &form, 10000),
                 200);
    char tok[128], line[512];
    s_set_cookie(form, "silta_login", tok, sizeof tok, line, sizeof line);
    cr_assert(tok[0], "no login cookie: %s", form);
    free(form);
    char u[128], p[256], body[1024], headers[512];
    s_urlenc(user, u, sizeof u);
    s_urlenc(pass, p, sizeof p);
    snprintf(body, sizeof body, "csrf=%s&username=%s&password=%s", tok, u, p);
    snprintf(headers, sizeof headers,
             "Cookie: silta_login=%s\r\nContent-Type: application/x-www-form-urlencoded\r\n", tok);
    return harness_http_request(s_port(), "POST", "/login", headers, body, strlen(body), reply,
                                10000);
}

/* The first Finnish-speaking demo login (USERNAME PASSWORD TEAM LANG). */
static void s_demo_login(char user[48], char pass[48])
{
    char path[4096];
    snprintf(path, sizeof path, "%s/inbox-demo-logins.txt", s_home);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no %s", path);
    char line[256];
    user[0] = '\0';
    while (!user[0] && fgets(line, sizeof line, f))
        if (line[0] != '#' && sscanf(line, "%47s %47s", user, pass) != 2)
            user[0] = '\0';
    fclose(f);
    cr_assert(user[0], "no login in %s", path);
}

static const char *s_user, *s_pass;
static bool s_login_works(void *arg)
{
    char **reply = arg;
    free(*reply);
    *reply = NULL;
    return s_login(s_user, s_pass, reply) == 303;
}

static bool s_inbox_answers(void *arg)
{
    (void)arg;
    char *reply = NULL;
    int st = harness_http_request(s_port(), "GET", "/login", NULL, NULL, 0, &reply, 2000);
    free(reply);
    return st == 200;
}

Test(inbox_login, failed_logins_are_throttled_and_cookies_secure_behind_tls, .timeout = 240)
{
    s_home = harness_home_new();
    cr_assert_not_null(s_home);
    harness_result_t r;
    fixture_deploy(1);
    char user[48], pass[48];
    s_demo_login(user, pass);

    /* Five wrong passwords are answered as such, at full speed... */
    char *reply = NULL;
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(s_login(user, "wrong-password-123", &reply), 401, "attempt %d", i + 1);
        free(reply);
    }
    /* ...then even the right one must wait, and the page says how long. */
    cr_assert_eq(s_login(user, pass, &reply), 429, "throttled: %s", reply);
    cr_assert(strstr(reply, "Liian monta epäonnistunutta kirjautumista"), "%s", reply);
    cr_assert(strstr(reply, " s."), "the wait is shown: %s", reply);
    char sess[128], line[512];
    s_set_cookie(reply, "silta_session", sess, sizeof sess, line, sizeof line);
    cr_assert_eq(sess[0], '\0', "no session while throttled: %s", line);
    free(reply);
    /* The same address is throttled for another account too. */
    cr_assert_eq(s_login("sosiaalityo2", "wrong-password-123", &reply), 429);
    free(reply);

    /* Every attempt is in the access log with the username as typed. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.inbox_access WHERE action = 'login' AND "
             "username = '%s' AND outcome = 'failed'",
             user);
    cr_assert_eq(fixture_count(sql), 5);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM casestore.inbox_access WHERE action = 'login' AND "
             "username = '%s' AND outcome = 'refused' AND object_id = 'throttled'",
             user);
    cr_assert_eq(fixture_count(sql), 1);

    /* The back-off is bounded: once the wait has passed the right password works. */
    s_user = user;
    s_pass = pass;
    reply = NULL;
    cr_assert_eq(harness_poll(20000, s_login_works, &reply), 0, "never let in after the wait");
    s_set_cookie(reply, "silta_session", sess, sizeof sess, line, sizeof line);
    cr_assert(sess[0], "a session after a good login: %s", reply);
    cr_assert(!strstr(line, "Secure"), "plain http on loopback (the demo): %s", line);
    free(reply);

    /* Behind a TLS proxy (SILTA_INBOX_URL https://) every cookie is Secure. */
    setenv("SILTA_INBOX_PUBLIC_URL", "https://inbox.example.fi/login", 1);
    harness_local(&r, "up", NULL);
    unsetenv("SILTA_INBOX_PUBLIC_URL");
    cr_assert_eq(r.status, 0, "up failed:\n%s\n%s", r.out, r.err);
    harness_result_free(&r);
    cr_assert_eq(harness_poll(30000, s_inbox_answers, NULL), 0, "the inbox did not come back");
    cr_assert_eq(harness_http_request(s_port(), "GET", "/login", NULL, NULL, 0, &reply, 10000),
                 200);
    char tok[128];
    s_set_cookie(reply, "silta_login", tok, sizeof tok, line, sizeof line);
    cr_assert(strstr(line, "; Secure"), "the login cookie over TLS: %s", line);
    free(reply);
    cr_assert_eq(s_login(user, pass, &reply), 303);
    s_set_cookie(reply, "silta_session", sess, sizeof sess, line, sizeof line);
    cr_assert(strstr(line, "; Secure"), "the session cookie over TLS: %s", line);
    free(reply);
}
