// qsort: libc qsort of pseudo-random 32-bit ints, `rounds` arrays of 200000 (argv[1], default 20).
// Prints a position-weighted checksum of every sorted array; fails if an array is not sorted.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp_int(const void* a, const void* b) {
    int32_t x = *(const int32_t*)a, y = *(const int32_t*)b;
    return (x > y) - (x < y);
}

int main(int argc, char** argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 20;
    const size_t n = 200000;
    int32_t* v = malloc(n * sizeof *v);
    if (!v) return 1;
    uint64_t x = 88172645463325252u, sum = 0;
    for (long r = 0; r < rounds; r++) {
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v[i] = (int32_t)(x >> 20) % 1000000; // many duplicates, negative values too
        }
        qsort(v, n, sizeof *v, cmp_int);
        for (size_t i = 0; i < n; i++) {
            if (i && v[i - 1] > v[i]) {
                printf("qsort: not sorted at %zu\n", i);
                return 1;
            }
            sum = sum * 31 + (uint64_t)(int64_t)v[i] * (i + 1);
        }
    }
    printf("qsort rounds=%ld n=%zu checksum=%016llx\n", rounds, n, (unsigned long long)sum);
    free(v);
    return 0;
}
