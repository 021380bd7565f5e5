/*  kela_gen.c - write synthetic Kela batches (see kela_gen.h). Streams to the
 *  file, so a 1,000,000-record batch costs no memory. */
#include "kela_gen.h"

#include "silta_hetu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_hetu(unsigned long i, char out[SILTA_HETU_LEN + 1])
{
    /* Spread over dates 1950-2009 and individual numbers 900-999. */
    int year = 1950 + (int)(i % 60), month = 1 + (int)(i / 60 % 12), day = 1 + (int)(i / 720 % 28);
    silta_hetu_make(year, month, day, 900 + (int)(i / 20160 % 100), out, NULL);
}

int kela_gen_cli(int argc, char **argv)
{
    if (strcmp(argv[1], "--generate") != 0)
        return -1;
    if (argc < 4) {
        fprintf(stderr, "usage: silta-kela --generate N FILE [--bad-every K] [--from I]\n");
        return 2;
    }
    unsigned long n = strtoul(argv[2], NULL, 10), bad = 0, from = 1;
    for (int a = 4; a + 1 < argc; a += 2) {
        if (strcmp(argv[a], "--bad-every") == 0)
            bad = strtoul(argv[a + 1], NULL, 10);
        else if (strcmp(argv[a], "--from") == 0 && strtoul(argv[a + 1], NULL, 10) > 0)
            from = strtoul(argv[a + 1], NULL, 10);
        else {
            fprintf(stderr, "silta-kela --generate: unknown option %s\n", argv[a]);
            return 2;
        }
    }
    FILE *f = fopen(argv[3], "w");
    if (!f) {
        perror(argv[3]);
        return 1;
    }
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<kela-batch xmlns=\"urn:silta:kela:1\" batch_id=\"GEN-%lu-%lu\">\n", from, n);
    for (unsigned long i = from; i < from + n; i++) {
        char h[SILTA_HETU_LEN + 1];
        s_hetu(i, h);
        if (bad && i % bad == 0)
            h[10] = h[10] == 'A' ? 'B' : 'A'; /* a wrong check character */
        switch (i % 3) {
        case 0:
            /* Notices rotate through the 2026 kinds: need for social work, a kehotus
             * and a 50 % reduction with its reason (HE 116/2025). */
            if (i % 9 == 3)
                fprintf(f,
                        "  <notice><hetu>%s</hetu><kela_reference>TOTU-%lu</kela_reference>"
                        "<kind>kehotus</kind><free_text>record %lu</free_text>"
                        "<date>2026-02-02</date>"
                        "<reduction_reason>not_registered_jobseeker</reduction_reason>"
                        "</notice>\n",
                        h, i, i);
            else if (i % 9 == 6)
                fprintf(f,
                        "  <notice><hetu>%s</hetu><kela_reference>TOTU-%lu</kela_reference>"
                        "<kind>basic_amount_reduction</kind><free_text>record %lu</free_text>"
                        "<date>2026-03-05</date><reduction_percent>50</reduction_percent>"
                        "<reduction_reason>primary_benefit_not_applied</reduction_reason>"
                        "</notice>\n",
                        h, i, i);
            else
                fprintf(f,
                        "  <notice><hetu>%s</hetu><kela_reference>TOTU-%lu</kela_reference>"
                        "<kind>need_for_social_work</kind><free_text>record %lu</free_text>"
                        "<date>2025-03-13</date></notice>\n",
                        h, i, i);
            break;
        case 1:
            fprintf(f, "  <application><hetu>%s</hetu><kela_reference>TOTU-%lu</kela_reference>"
                       "<benefit>perustoimeentulotuki</benefit><status>pending</status>"
                       "<complete_date>2025-03-10</complete_date></application>\n", h, i);
            break;
        default:
            fprintf(f, "  <decision><hetu>%s</hetu><kela_reference>SAIR-%lu</kela_reference>"
                       "<benefit>sairauspaivaraha</benefit><status>granted</status>"
                       "<period_start>2025-01-02</period_start><period_end>2025-06-30</period_end>"
                       "<sickness_days_used>%lu</sickness_days_used></decision>\n", h, i, i % 300);
        }
    }
    fputs("</kela-batch>\n", f);
    if (fclose(f) != 0) {
        perror(argv[3]);
        return 1;
    }
    return 0;
}
