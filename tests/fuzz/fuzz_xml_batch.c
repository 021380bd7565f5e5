/* fuzz_xml_batch.c - libFuzzer harness for the agency batch door: the record
 * splitter (silta_xmlsplit) under libxml2's streaming reader, exactly as
 * silta-kela and silta-employment read a file (silta_xml_reader_*), each
 * record mapped to a protobuf message as silta_batch does, and the in-memory
 * door (silta_xml_parse_memory, with its markup pre-scan) over the same bytes.
 * `make fuzz` builds it with clang (-fsanitize=fuzzer,address,undefined) and
 * runs it for FUZZ_TIME seconds over the XML fixtures and config/examples; a
 * per-input timeout of a few seconds makes a quadratic input a finding.
 *
 * Checks beyond "no crash": every record's size is within the file, and the
 * sizes add up to no more than the file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "events.pb-c.h"
#include "silta_batch.h"
#include "silta_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    silta_xml_init();
    int fd = memfd_create("fuzz", 0);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    /* A small record limit, so that oversize records and their placeholder
     * are exercised by inputs of a few hundred bytes. */
    silta_xml_limits_t lim = {0, 256};
    silta_err_t err = {0};
    silta_xml_reader_t *r = silta_xml_reader_open(path, &lim, &err);
    size_t total = 0;
    if (r) {
        xmlNodePtr node;
        size_t bytes;
        while (silta_xml_reader_next(r, &node, &bytes, &err) == 1) {
            if (bytes > lim.max_record)
                continue; /* the placeholder: never mapped */
            if (bytes > size || total + bytes > size)
                abort(); /* a record larger than the file: boundaries lost */
            total += bytes;
            char field[128];
            ProtobufCMessage *m = silta_batch_map(node, &silta__kela_notice__descriptor,
                                                  "|date|", field, sizeof field, &err);
            if (m)
                protobuf_c_message_free_unpacked(m, NULL);
        }
        silta_xml_reader_destroy(&r);
    }
    close(fd);
    xmlDocPtr doc = silta_xml_parse_memory((const char *)data, size, NULL, &err);
    if (doc)
        xmlFreeDoc(doc);
    return 0;
}
