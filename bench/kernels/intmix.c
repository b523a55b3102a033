// intmix: a Dhrystone-flavoured integer mix (records, pointer chasing, string copy/compare,
// switch dispatch, calls through function pointers, multiply/divide), `iterations` passes
// (argv[1], default 30000000). Prints a checksum of everything it computed.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { kIdent1, kIdent2, kIdent3, kIdent4, kIdent5 } Ident;

typedef struct Record {
    struct Record* next;
    Ident discr;
    int int_comp;
    char str_comp[31];
} Record;

static char g_char1, g_char2;
static int g_int;
static int g_array[64];

static Ident pick(Ident in, int v) {
    switch (in) {
    case kIdent1: return v & 1 ? kIdent3 : kIdent2;
    case kIdent2: return kIdent4;
    case kIdent3: return v > 100 ? kIdent5 : kIdent1;
    case kIdent4: return kIdent1;
    default: return (Ident)(v % 5);
    }
}

static int add(int a, int b) {
    return a + b;
}
static int sub(int a, int b) {
    return a - b;
}
static int mul(int a, int b) {
    return (int)((unsigned)a * (unsigned)b);
}
static int divm(int a, int b) {
    return b ? a / b + a % b : a;
}
static int (*const k_ops[4])(int, int) = {add, sub, mul, divm};

static void proc_record(Record* r, int i) {
    Record* n = r->next;
    *n = *r; // struct copy, as Dhrystone's Proc_1
    n->int_comp = r->int_comp + i % 7;
    n->discr = pick(r->discr, n->int_comp);
    if (n->discr == kIdent1) n->int_comp += 3;
    r->int_comp = n->int_comp * 2 - i % 13;
}

static int compare_strings(const char* a, const char* b) {
    int c = strcmp(a, b);
    if (c > 0) g_char1 = a[7];
    return c;
}

int main(int argc, char** argv) {
    long iterations = argc > 1 ? atol(argv[1]) : 30000000;
    Record* rec = calloc(2, sizeof(Record));
    if (!rec) return 1;
    rec[0].next = &rec[1];
    rec[1].next = &rec[0];
    strcpy(rec[0].str_comp, "DHRYSTONE PROGRAM, SOME STRING");
    char s1[31], s2[31];
    strcpy(s1, "DHRYSTONE PROGRAM, 1'ST STRING");
    uint64_t sum = 0;
    for (long i = 0; i < iterations; i++) {
        int a = (int)(i & 0xffff), b = (int)((i >> 3) % 997) + 1;
        strcpy(s2, (i & 1) ? "DHRYSTONE PROGRAM, 2'ND STRING" : "DHRYSTONE PROGRAM, 3'RD STRING");
        s2[20] = (char)('A' + i % 26);
        int c = compare_strings(s1, s2);
        proc_record(&rec[i & 1], (int)i);
        int r = k_ops[i & 3](a, b);
        g_array[i & 63] += r ^ c;
        g_int = g_int * 5 + (r >> 2) - g_array[(i * 7) & 63];
        g_char2 = (char)(g_char1 + (g_int & 15));
        sum += (uint64_t)(uint32_t)g_int + (uint64_t)rec[0].int_comp * 3 + (uint64_t)rec[1].discr +
               (unsigned char)g_char2;
        sum = (sum << 7) | (sum >> 57);
    }
    for (int i = 0; i < 64; i++)
        sum ^= (uint64_t)(uint32_t)g_array[i] << (i % 32);
    printf("intmix iterations=%ld checksum=%016llx\n", iterations, (unsigned long long)sum);
    free(rec);
    return 0;
}
