/*  silta_keys.h - CURVE keypair files.
 *
 *  A keypair NAME is two files: NAME.key (mode 0600: public= and secret= lines,
 *  Z85) and NAME.pub (public= line only), so the public half can be handed to
 *  the hub's authorized-keys folder without the secret. The hub maps a client's
 *  public key to an identity by the file name of the matching .pub.
 */
#ifndef SILTA_KEYS_H
#define SILTA_KEYS_H

#include "silta_err.h"

#define SILTA_KEY_Z85_LEN 40

typedef struct {
    char public_z85[SILTA_KEY_Z85_LEN + 1];
    char secret_z85[SILTA_KEY_Z85_LEN + 1]; /* empty when loaded from a .pub */
} silta_keypair_t;

/* Generate a keypair and write DIR/NAME.key (0600) and DIR/NAME.pub (0644).
 * Refuses to overwrite an existing NAME.key. */
int silta_keys_generate(const char *dir, const char *name, silta_err_t *err);

/* Load a .key or .pub file. */
int silta_keys_load(const char *path, silta_keypair_t *out, silta_err_t *err);

#endif
