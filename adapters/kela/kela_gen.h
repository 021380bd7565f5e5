/*  kela_gen.h - synthetic Kela batches for tests and `make bench`. */
#ifndef KELA_GEN_H
#define KELA_GEN_H

/* `silta-kela --generate N FILE [--bad-every K] [--from I]`: write a batch of N records
 * (notices, applications and decisions in turn; hetu individual numbers
 * 900-999 only) to FILE; with K > 0 every K-th record has a wrong hetu check
 * character; records are numbered from I (default 1), so batches written with
 * disjoint ranges hold different records (and clients, up to 2,016,000). Returns
 * the exit status, or -1 when argv is not a --generate call. */
int kela_gen_cli(int argc, char **argv);

#endif
