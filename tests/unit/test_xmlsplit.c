/* test_xmlsplit.c - hostile markup costs linear time and bounded memory
 * (issue 11): the attribute and tag limits refuse the stream (batch reader
 * and in-memory parse) with the limit, line and byte named; comments,
 * processing instructions and text between records never reach libxml2 and
 * the records around them are read; a stop callback ends a read mid-file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "silta_xml.h"
#include "silta_xmlsplit.h"

static char s_dir[] = "/tmp/test_xmlsplit.XXXXXX";

static void s_setup(void)
{
    cr_assert_not_null(mkdtemp(s_dir));
}

static void s_teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s_dir);
    (void)!system(cmd);
}

TestSuite(xmlsplit, .init = s_setup, .fini = s_teardown);

static const char *s_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    return path;
}

/* An element with n attributes a0="1" a1="1" ... (caller frees). */
static char *s_attrs(const char *name, size_t n)
{
    char *s = malloc(n * 16 + 64);
    int w = sprintf(s, "<%s", name);
    for (size_t i = 0; i < n; i++)
        w += sprintf(s + w, " a%zu=\"1\"", i);
    sprintf(s + w, ">");
    return s;
}

/* Read path to its end: records read, or the negative code with err. */
static int s_read_all(const char *path, silta_err_t *err)
{
    silta_xml_reader_t *r = silta_xml_reader_open(path, NULL, err);
    if (!r)
        return err->code ? err->code : -1;
    int n = 0, rc;
    xmlNodePtr node;
    size_t bytes;
    while ((rc = silta_xml_reader_next(r, &node, &bytes, err)) == 1)
        n++;
    silta_xml_reader_destroy(&r);
    return rc < 0 ? rc : n;
}

/* 10^6 attributes on the root (7.8 MB): libxml2 alone takes minutes. Refused
 * at the 257th, naming the limit, the line and the byte of the tag. */
Test(xmlsplit, attribute_bomb_on_the_root_is_refused_naming_the_limit)
{
    char *root = s_attrs("batch", 1000000);
    FILE *f = fopen(s_path("bomb.xml"), "w");
    fprintf(f, "<?xml version=\"1.0\"?>\n%s<rec>1</rec></batch>\n", root);
    fclose(f);
    free(root);
    silta_err_t err = {0};
    cr_assert_eq(s_read_all(s_path("bomb.xml"), &err), SILTA_EINVAL);
    cr_assert(strstr(err.msg, "an element at line 2 (byte offset 22) has more than 256 "
                              "attributes, the limit per element") != NULL,
              "%s", err.msg);
}

/* In a record, with the records before it read; 256 attributes are fine. */
Test(xmlsplit, attribute_limit_inside_a_record)
{
    char *ok = s_attrs("rec", SILTA_XML_MAX_ATTRS), *bad = s_attrs("rec", SILTA_XML_MAX_ATTRS + 1);
    FILE *f = fopen(s_path("a.xml"), "w");
    fprintf(f, "<batch>\n<rec>1</rec>\n%s</rec>\n</batch>\n", ok);
    fclose(f);
    silta_err_t err = {0};
    cr_assert_eq(s_read_all(s_path("a.xml"), &err), 2, "%s", err.msg);
    f = fopen(s_path("b.xml"), "w");
    fprintf(f, "<batch>\n<rec>1</rec>\n%s</rec>\n</batch>\n", bad);
    fclose(f);
    cr_assert_lt(s_read_all(s_path("b.xml"), &err), 0);
    cr_assert(strstr(err.msg, "an element at line 3 (byte offset 21) has more than 256") != NULL,
              "%s", err.msg);
    free(ok);
    free(bad);
}

/* Namespace declarations are attributes too (libxml2's nsTab is searched the
 * same way). */
Test(xmlsplit, namespace_declarations_count_as_attributes)
{
    char *doc = malloc(400000);
    int w = sprintf(doc, "<a");
    for (int i = 0; i < 300; i++)
        w += sprintf(doc + w, " xmlns:p%d=\"urn:x:%d\"", i, i);
    sprintf(doc + w, "/>");
    silta_err_t err = {0};
    cr_assert_null(silta_xml_parse_memory(doc, strlen(doc), NULL, &err));
    cr_assert(strstr(err.msg, "more than 256 attributes") != NULL, "%s", err.msg);
    free(doc);
}

/* One tag over SILTA_XML_MAX_TAG (a long attribute value) is refused; the
 * in-memory parse (silta-health's door) says the same. */
Test(xmlsplit, tag_longer_than_the_limit_is_refused)
{
    size_t big = SILTA_XML_MAX_TAG + 10;
    char *doc = malloc(big + 100);
    int w = sprintf(doc, "<r>\n<x v=\"");
    memset(doc + w, 'v', big);
    strcpy(doc + w + big, "\"/></r>");
    silta_err_t err = {0};
    silta_xml_limits_t lim = {big * 2, 0};
    cr_assert_null(silta_xml_parse_memory(doc, strlen(doc), &lim, &err));
    cr_assert_eq(err.code, SILTA_EINVAL);
    cr_assert(strstr(err.msg, "a tag at line 2 (byte offset 4) is longer than 262144 bytes, the "
                              "limit per tag") != NULL,
              "%s", err.msg);
    /* Just under the limit: parsed. */
    memmove(doc + w + big - 20, doc + w + big, strlen(doc + w + big) + 1);
    xmlDocPtr d = silta_xml_parse_memory(doc, strlen(doc), &lim, &err);
    cr_assert_not_null(d, "%s", err.msg);
    xmlFreeDoc(d);
    free(doc);
}

/* 64 MB of comments, processing instructions and blank lines between two
 * records: both records are read, and the peak RSS of this process grows by
 * far less than the file (libxml2 kept every comment: 922 MB for 200 MB). */
Test(xmlsplit, comments_between_records_are_dropped_and_memory_stays_bounded)
{
    FILE *f = fopen(s_path("c.xml"), "w");
    fputs("<?xml version=\"1.0\"?>\n<!-- kept: the prolog -->\n<batch>\n<rec>1</rec>\n", f);
    static char blk[1 << 16];
    size_t w = 0;
    while (w + 128 < sizeof blk)
        w += (size_t)sprintf(blk + w, "<!-- %60s -->\n<?pi %40s?>\n\n", "c", "p");
    for (int i = 0; i < 1024; i++)
        fwrite(blk, 1, w, f);
    fputs("<rec>2</rec>\n<!-- after the last record --></batch>\n<!-- epilogue -->\n", f);
    fclose(f);
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    silta_err_t err = {0};
    cr_assert_eq(s_read_all(s_path("c.xml"), &err), 2, "%s", err.msg);
    getrusage(RUSAGE_SELF, &after);
    cr_assert_lt(after.ru_maxrss - before.ru_maxrss, 16 * 1024, "peak RSS grew by %ld KB",
                 after.ru_maxrss - before.ru_maxrss);
}

/* The parser's line numbers stay the file's across dropped comments. */
Test(xmlsplit, line_numbers_survive_dropped_comments)
{
    FILE *f = fopen(s_path("l.xml"), "w");
    fputs("<batch>\n<!-- one\ntwo\nthree -->\n<rec>1</rec>\n<?pi\n?>\n<rec>2</wrong>\n</batch>\n",
          f);
    fclose(f);
    silta_err_t err = {0};
    cr_assert_lt(s_read_all(s_path("l.xml"), &err), 0);
    cr_assert(strstr(err.msg, "malformed at line 8 ") != NULL, "%s", err.msg);
}

/* A markup declaration between records cannot be dropped silently. */
Test(xmlsplit, declaration_between_records_is_refused)
{
    FILE *f = fopen(s_path("d.xml"), "w");
    fputs("<batch>\n<rec>1</rec>\n<!ENTITY x \"y\">\n<rec>2</rec>\n</batch>\n", f);
    fclose(f);
    silta_err_t err = {0};
    cr_assert_lt(s_read_all(s_path("d.xml"), &err), 0);
    cr_assert(strstr(err.msg, "markup declaration") != NULL, "%s", err.msg);
}

static int s_stop_now(void *arg)
{
    return ++*(int *)arg > 2;
}

/* A stop callback ends the reading within a chunk, mid-file. */
Test(xmlsplit, stop_callback_ends_the_read_mid_file)
{
    FILE *f = fopen(s_path("s.xml"), "w");
    fputs("<batch>\n", f);
    for (int i = 0; i < 100000; i++)
        fprintf(f, "<!-- %d -->\n", i);
    fputs("<rec>1</rec></batch>\n", f);
    fclose(f);
    silta_err_t err = {0};
    silta_xml_reader_t *r = silta_xml_reader_open(s_path("s.xml"), NULL, &err);
    cr_assert_not_null(r);
    int calls = 0;
    silta_xml_reader_set_stop(r, s_stop_now, &calls);
    xmlNodePtr node;
    size_t bytes;
    cr_assert_lt(silta_xml_reader_next(r, &node, &bytes, &err), 0);
    cr_assert(strstr(err.msg, "stopped") != NULL, "%s", err.msg);
    cr_assert_eq(calls, 3, "asked before each read");
    silta_xml_reader_destroy(&r);
}

/* The in-memory check on its own: 10^5 attributes in 1 MB, refused. */
Test(xmlsplit, check_refuses_in_memory)
{
    char *doc = s_attrs("ServiceRequest", 100000);
    silta_xmlsplit_limits_t lim = {0, SILTA_XML_MAX_ATTRS, SILTA_XML_MAX_TAG};
    char why[256];
    cr_assert_eq(silta_xmlsplit_check(doc, strlen(doc), &lim, why, sizeof why), -1);
    cr_assert(strstr(why, "line 1 (byte offset 0) has more than 256 attributes") != NULL, "%s",
              why);
    const char *fine = "<a b=\"1\" c='2'><!-- x=y --><d e=\"=\"/></a>";
    cr_assert_eq(silta_xmlsplit_check(fine, strlen(fine), &lim, why, sizeof why), 0, "%s", why);
    free(doc);
}
