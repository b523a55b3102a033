/* A static /init for the real-kernel test: reports from userspace on the serial port, counts
 * online CPUs, and powers the machine off (through machina's ACPI S5 registers). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(void) {
    mount("devtmpfs", "/dev", "devtmpfs", 0, 0);
    mount("proc", "/proc", "proc", 0, 0);
    int fd = open("/dev/ttyS0", O_RDWR);
    if (fd < 0) fd = open("/dev/console", O_RDWR);
    char buf[256];
    int n = snprintf(buf, sizeof buf, "\nmachina-init: hello from userspace (pid %d)\n", getpid());
    write(fd, buf, (size_t)n);
    int cpuinfo = open("/proc/cpuinfo", O_RDONLY);
    int cpus = 0;
    char data[4096];
    ssize_t r;
    while (cpuinfo >= 0 && (r = read(cpuinfo, data, sizeof data)) > 0)
        for (ssize_t i = 0; i + 9 < r; i++)
            if (memcmp(data + i, "processor", 9) == 0) cpus++;
    n = snprintf(buf, sizeof buf, "machina-init: %d cpus online, powering off\n", cpus);
    write(fd, buf, (size_t)n);
    sync();
    reboot(RB_POWER_OFF);
    return 0;
}
