/* benches/slow-fsync/slow_fsync.c: model a disk whose cache flush is slow.
 *
 * An LD_PRELOAD shim for benchmarks only: fsync() and fdatasync() sleep
 * SLOW_FSYNC_US microseconds (default 4000), then do the real call. Writes are
 * untouched. On a fast virtual disk (fdatasync in 0.1 to 0.3 ms) the store is bound by
 * CPU, not by flushes; this gives the "fsync-bound disk" that group commit is for
 * (a consumer SSD without power-loss protection, a network volume, a busy disk).
 *
 *   cc -O2 -shared -fPIC -o target/slow_fsync.so benches/slow-fsync/slow_fsync.c -ldl
 *   LD_PRELOAD=$PWD/target/slow_fsync.so SLOW_FSYNC_US=4000 \
 *     ISAGATE_BENCH_APPEND_ONLY=1 cargo bench --bench audit_append
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>

static void slow(void) {
    static long us = -1;
    if (us < 0) {
        const char *v = getenv("SLOW_FSYNC_US");
        us = v ? atol(v) : 4000;
    }
    struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
    while (nanosleep(&ts, &ts) != 0) {}
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    slow();
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    slow();
    return real(fd);
}
