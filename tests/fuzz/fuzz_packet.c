/* fuzz_packet.c - libFuzzer harness for everything the hub decodes from a peer:
 * the Packet, the Envelope checks and the consent payload. `make fuzz` builds it
 * with clang (-fsanitize=fuzzer,address,undefined) and runs it for a bounded
 * time over the seed corpus in tests/fuzz/corpus/packet.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "events.pb-c.h"
#include "silta_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t code = 0;
    silta_err_t err;
    silta_packet_t *p = silta_codec_decode(data, size, SILTA_MAX_PACKET_DEFAULT, &code, &err);
    if (!p)
        return 0;
    if (p->cmd_case == SILTA__PACKET__CMD_PUBLISH && p->publish) {
        const silta_envelope_t *e = p->publish->event;
        if (silta_codec_check_envelope(e, SILTA_MAX_PACKET_DEFAULT, &err) == 0) {
            Silta__Consent *c = silta__consent__unpack(NULL, e->payload.len, e->payload.data);
            if (c)
                silta__consent__free_unpacked(c, NULL);
            size_t len;
            uint8_t *packed = silta_codec_pack_envelope(e, &len);
            silta_envelope_t *back = packed ? silta_codec_unpack_envelope(packed, len) : NULL;
            silta_codec_free_envelope(&back);
            free(packed);
        }
    }
    size_t len;
    uint8_t *again = silta_codec_pack(p, &len);
    free(again);
    silta_codec_free(&p);
    return 0;
}
