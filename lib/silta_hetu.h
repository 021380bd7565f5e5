/*  silta_hetu.h - validate a Finnish personal identity code (henkilötunnus).
 *
 *  Form DDMMYYCZZZQ (DVV): birth date, century sign C, individual number ZZZ,
 *  check character Q = "0123456789ABCDEFHJKLMNPRSTUVWXY"[DDMMYYZZZ mod 31].
 *    C   '+' 1800s;  '-' 'Y' 'X' 'W' 'V' 'U' 1900s;  'A'..'F' 2000s
 *        (the sign is part of the identity: 100190-999P and 100190Y999P are
 *        two different people, so nothing here rewrites one sign to another).
 *    ZZZ 002-899 real people, 900-999 temporary identities; odd = male.
 *
 *  The parser is strict: exactly 11 characters, uppercase, no surrounding
 *  whitespace. It never allocates and keeps no state.
 *
 *  Reasons written to silta_err_t go to logs and rejection reports, so they
 *  name the part that is wrong (length, date part, century sign, individual
 *  number, check character) and never repeat the whole code - nor the birth
 *  date, which together with the check character nearly identifies a person.
 *
 *  A birth date in the future is a separate check (silta_hetu_check_not_future)
 *  with an explicit today: it belongs where data enters (the adapters, the hub's
 *  PUBLISH contract), not in the parser, so a journalled event is never refused
 *  on replay and the check stays testable on any day.
 *
 *  Not here: the keyed pseudonym used in place of a hetu (silta_clientkey).
 */
#ifndef SILTA_HETU_H
#define SILTA_HETU_H

#include "silta_err.h"

#define SILTA_HETU_LEN 11

typedef enum { SILTA_HETU_FEMALE = 0, SILTA_HETU_MALE = 1 } silta_hetu_sex_t;

typedef struct {
    char canonical[SILTA_HETU_LEN + 1]; /* the validated code itself: never log it */
    int year;                           /* birth date, e.g. 1985 */
    int month;                          /* 1-12 */
    int day;                            /* 1-31 */
    char century_sign;                  /* '+', '-', 'Y', ..., 'A', ... */
    int individual;                     /* ZZZ, 2-999 */
    silta_hetu_sex_t sex;               /* odd ZZZ male, even female */
    int temporary;                      /* 1 when ZZZ is 900-999 */
} silta_hetu_t;

/* Validate s and, on success, fill *out (may be NULL to only validate).
 * Returns 0, or SILTA_EINVAL with the reason in err (out is then untouched).
 * A NULL s is bad input, not a crash. */
int silta_hetu_parse(const char *s, silta_hetu_t *out, silta_err_t *err);

/* Refuse a birth date after today_ymd (YYYYMMDD as a number, e.g. 20261130;
 * the caller's "today", see silta_hetu_today_ymd). A code born today is
 * accepted. Returns 0, or SILTA_EINVAL with "birth date is in the future" in
 * err (no date quoted). A NULL h, or a today_ymd that is no date, is SILTA_EINVAL. */
int silta_hetu_check_not_future(const silta_hetu_t *h, long today_ymd, silta_err_t *err);

/* The calendar day of now_ms (unix milliseconds) in Europe/Helsinki, as YYYYMMDD:
 * EET (UTC+2), EEST (UTC+3) from 01:00 UTC on the last Sunday of March to 01:00
 * UTC on the last Sunday of October (EU summer time, directive 2000/84/EC).
 * Computed, not read from the TZ database: the process's TZ does not matter. */
long silta_hetu_today_ymd(long long now_ms);

/* 1 when s is a valid hetu, else 0. */
int silta_hetu_valid(const char *s);

/* The check character for the 9 digits DDMMYYZZZ taken as one number
 * (0 <= n <= 999999999); 0 when n is out of range. */
char silta_hetu_check_char(long n);

/* Build a hetu for a birth date and individual number, with the primary
 * century sign ('+', '-' or 'A'), into out (12 bytes). Meant for synthetic
 * test and demo data, which must use individual numbers 900-999 only.
 * Returns 0, or SILTA_EINVAL when the date does not exist, the year is outside
 * 1800-2099 or individual is not 2-999. */
int silta_hetu_make(int year, int month, int day, int individual, char out[SILTA_HETU_LEN + 1],
                    silta_err_t *err);

#endif
