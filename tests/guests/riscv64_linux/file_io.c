// File I/O: create, write, seek, read, stat, directory listing, rename, unlink, dup, readv.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static void check(int ok, const char* what) {
    if (!ok) {
        printf("FAILED: %s (errno %d)\n", what, errno);
        exit(1);
    }
}

static int cmp(const void* a, const void* b) {
    return strcmp(*(const char* const*)a, *(const char* const*)b);
}

int main(void) {
    char dir[] = "/tmp/machina_file_io_XXXXXX";
    check(mkdtemp(dir) != NULL, "mkdtemp");
    check(chdir(dir) == 0, "chdir");
    int fd = open("data.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    check(fd >= 0, "open");
    const char text[] = "The quick brown fox jumps over the lazy dog\n";
    for (int i = 0; i < 100; ++i) check(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write");
    struct stat st;
    check(fstat(fd, &st) == 0, "fstat");
    printf("size=%lld regular=%d mode=%o\n", (long long)st.st_size, S_ISREG(st.st_mode),
           (unsigned)(st.st_mode & 0777));
    check(lseek(fd, 4, SEEK_SET) == 4, "lseek");
    char buf[16] = {0};
    check(read(fd, buf, 5) == 5, "read");
    printf("read at 4: '%s'\n", buf);
    check(pread(fd, buf, 3, 16) == 3, "pread");
    buf[3] = 0;
    printf("pread at 16: '%s'\n", buf);
    char a[4] = {0}, b[6] = {0};
    struct iovec iov[2] = {{a, 3}, {b, 5}};
    check(lseek(fd, 0, SEEK_SET) == 0, "rewind");
    check(readv(fd, iov, 2) == 8, "readv");
    printf("readv: '%s' '%s'\n", a, b);
    int fd2 = dup(fd);
    check(fd2 > fd, "dup");
    printf("offset via dup: %lld\n", (long long)lseek(fd2, 0, SEEK_CUR));
    close(fd2);
    check(ftruncate(fd, 10) == 0, "ftruncate");
    check(fstat(fd, &st) == 0 && st.st_size == 10, "size after truncate");
    close(fd);

    FILE* f = fopen("stdio.txt", "w+");
    check(f != NULL, "fopen");
    for (int i = 0; i < 5; ++i) fprintf(f, "line %d: %d\n", i, i * i);
    rewind(f);
    char line[64];
    while (fgets(line, sizeof line, f)) printf("got %s", line);
    fclose(f);

    check(mkdir("sub", 0755) == 0, "mkdir");
    check(rename("stdio.txt", "sub/moved.txt") == 0, "rename");
    check(access("sub/moved.txt", R_OK) == 0, "access");
    check(access("stdio.txt", F_OK) != 0 && errno == ENOENT, "old name gone");
    check(symlink("data.txt", "link") == 0, "symlink");
    char target[64];
    ssize_t n = readlink("link", target, sizeof target - 1);
    check(n > 0, "readlink");
    target[n] = 0;
    printf("link -> %s\n", target);
    struct stat lst;
    check(lstat("link", &lst) == 0 && S_ISLNK(lst.st_mode), "lstat");

    DIR* d = opendir(".");
    check(d != NULL, "opendir");
    char* names[16];
    int count = 0;
    struct dirent* e;
    while ((e = readdir(d)) && count < 16)
        if (e->d_name[0] != '.') names[count++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)count, sizeof names[0], cmp);
    for (int i = 0; i < count; ++i) printf("entry %s\n", names[i]);

    check(open("missing", O_RDONLY) < 0 && errno == ENOENT, "ENOENT");
    check(unlink("sub/moved.txt") == 0 && rmdir("sub") == 0, "cleanup sub");
    check(unlink("link") == 0 && unlink("data.txt") == 0, "cleanup files");
    check(chdir("/") == 0 && rmdir(dir) == 0, "rmdir");
    printf("file I/O done\n");
    return 0;
}
