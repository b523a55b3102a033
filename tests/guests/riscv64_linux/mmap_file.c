// mmap of files (private and shared), anonymous mappings, mprotect, mremap, munmap.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    char path[] = "/tmp/machina_mmap_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 10;
    long page = sysconf(_SC_PAGESIZE);
    printf("page size %ld\n", page);
    char* block = malloc((size_t)page * 3);
    for (long i = 0; i < page * 3; ++i) block[i] = (char)('a' + i % 26);
    write(fd, block, (size_t)page * 3);

    char* priv = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, page);
    if (priv == MAP_FAILED) return 11;
    printf("private[0]=%c private[page]=%c\n", priv[0], priv[page]);
    priv[0] = '#'; // copy-on-write: the file keeps its byte
    char c;
    pread(fd, &c, 1, page);
    printf("after private write: mapping=%c file=%c\n", priv[0], c);
    munmap(priv, (size_t)page * 2);

    char* shared = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (shared == MAP_FAILED) return 12;
    memcpy(shared, "SHARED!", 7);
    msync(shared, (size_t)page, MS_SYNC);
    char head[8] = {0};
    pread(fd, head, 7, 0);
    printf("file after shared write: %s\n", head);
    munmap(shared, (size_t)page);

    char* anon = mmap(NULL, (size_t)page * 4, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int zero = 1;
    for (long i = 0; i < page * 4; ++i) zero &= anon[i] == 0;
    printf("anonymous memory zeroed=%d\n", zero);
    strcpy(anon, "grow me");
    char* grown = mremap(anon, (size_t)page * 4, (size_t)page * 64, MREMAP_MAYMOVE);
    if (grown == MAP_FAILED) return 13;
    grown[page * 63] = 'z';
    printf("mremap kept '%s', tail %c\n", grown, grown[page * 63]);
    printf("mprotect read-only: %d\n", mprotect(grown, (size_t)page, PROT_READ));
    printf("munmap middle: %d\n", munmap(grown + page * 8, (size_t)page * 8));
    printf("still readable: %s\n", grown);
    munmap(grown, (size_t)page * 64);

    // System V shared memory, shared with a forked child.
    int shmid = shmget(IPC_PRIVATE, 8192, IPC_CREAT | 0600);
    char* shm = shmat(shmid, NULL, 0);
    if (shm == (void*)-1) return 14;
    strcpy(shm, "parent");
    pid_t pid = fork();
    if (pid == 0) {
        strcpy(shm + 4096, "child wrote this");
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("shm: %s / %s\n", shm, shm + 4096);
    printf("shmdt: %d\n", shmdt(shm));
    shmctl(shmid, IPC_RMID, NULL);

    struct stat st;
    fstat(fd, &st);
    printf("file size %lld\n", (long long)st.st_size);
    close(fd);
    unlink(path);
    free(block);
    return 0;
}
