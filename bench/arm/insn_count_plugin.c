// A qemu TCG plugin (plugin API version 1, as in qemu 7.2) that counts the guest instructions a
// program executes, exactly: each translation block adds its instruction count to a total every
// time it runs. Debian ships no plugin header (qemu-plugin.h), so the few functions used are
// declared here as the public API documents them (docs/devel/tcg-plugins.rst, qemu-plugin.h).
//
//   qemu-aarch64 -cpu cortex-a72 -plugin ./insn_count_plugin.so,out=FILE ./program
//
// At exit it writes `instructions <total>` and `entry <hex address>` (the first instruction run:
// the ELF entry point of a static program, so that the load address of a position-independent
// one follows) to FILE (or stderr). With `,profile=FILE2` it also
// writes one line per executed guest instruction address, `<hex address> <count> <mnemonic>`, for
// grouping by symbol or mnemonic (bench/arm/count_instructions.sh).
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t;  // unused here: treated as opaque
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 = 0 };

typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr,
                                              uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
char *qemu_plugin_insn_disas(const struct qemu_plugin_insn *insn);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

/// One translated block: how often it ran, and (profiling only) its instructions.
struct block {
    uint64_t executions;
    size_t count;
    uint64_t *addresses;
    char **mnemonics;
    struct block *next;
};

static struct block *blocks;  // all translated blocks (qemu-user translates on one thread at a time)
static char *out_path, *profile_path;
static uint64_t first_pc;  // the first block translated: the program's entry point
static bool seen_first;

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
    (void)id;
    struct block *b = calloc(1, sizeof *b);
    if (!b) abort();
    b->count = qemu_plugin_tb_n_insns(tb);
    if (!seen_first) {
        first_pc = qemu_plugin_tb_vaddr(tb);
        seen_first = true;
    }
    if (profile_path) {
        b->addresses = calloc(b->count, sizeof *b->addresses);
        b->mnemonics = calloc(b->count, sizeof *b->mnemonics);
        if (!b->addresses || !b->mnemonics) abort();
        for (size_t i = 0; i < b->count; i++) {
            struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
            b->addresses[i] = qemu_plugin_insn_vaddr(insn);
            char *text = qemu_plugin_insn_disas(insn);  // "mnemonic operands"
            if (text) text[strcspn(text, " \t")] = 0;
            b->mnemonics[i] = text;
        }
    }
    b->next = blocks;
    blocks = b;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->executions, 1);
}

static void on_program_exit(qemu_plugin_id_t id, void *userdata) {
    (void)id, (void)userdata;
    uint64_t total = 0;
    for (struct block *b = blocks; b; b = b->next) total += b->executions * b->count;
    FILE *out = out_path ? fopen(out_path, "w") : stderr;
    if (out) {
        fprintf(out, "instructions %" PRIu64 "\nentry %" PRIx64 "\n", total, first_pc);
        if (out != stderr) fclose(out);
    }
    if (profile_path) {
        FILE *profile = fopen(profile_path, "w");
        if (!profile) return;
        for (struct block *b = blocks; b; b = b->next) {
            if (!b->executions) continue;
            for (size_t i = 0; i < b->count; i++) {
                fprintf(profile, "%" PRIx64 " %" PRIu64 " %s\n", b->addresses[i], b->executions,
                        b->mnemonics[i] ? b->mnemonics[i] : "?");
            }
        }
        fclose(profile);
    }
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
                                                               int argc, char **argv) {
    (void)info;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) {
            out_path = strdup(argv[i] + 4);
        } else if (strncmp(argv[i], "profile=", 8) == 0) {
            profile_path = strdup(argv[i] + 8);
        } else {
            fprintf(stderr, "insn_count_plugin: unknown argument %s (out=FILE, profile=FILE)\n", argv[i]);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_program_exit, NULL);
    return 0;
}
