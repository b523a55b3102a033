// The demo guest: a small RISC-V 64 Linux program that `./build.sh demo` runs under machina-riscv64.
// It shows the guest's view of the machine (uname), draws a Mandelbrot set with doubles, and
// counts primes with integer division, so the demo exercises RV64IMFD, the ELF loader and the
// system-call layer together.
#include <stdio.h>
#include <sys/utsname.h>

static void draw_mandelbrot(void) {
    const char* shades = " .:-=+*#%@";
    for (int row = 0; row < 22; row++) {
        char line[72];
        for (int col = 0; col < 70; col++) {
            double cr = -2.2 + col * (3.0 / 70.0);
            double ci = -1.2 + row * (2.4 / 22.0);
            double zr = 0.0, zi = 0.0;
            int n = 0;
            while (n < 90 && zr * zr + zi * zi < 4.0) {
                double t = zr * zr - zi * zi + cr;
                zi = 2.0 * zr * zi + ci;
                zr = t;
                n++;
            }
            line[col] = shades[n >= 90 ? 9 : (n / 3 > 8 ? 8 : n / 3)];
        }
        line[70] = '\0';
        printf("  %s\n", line);
    }
}

static int count_primes(int limit) {
    int count = 0;
    for (int n = 2; n < limit; n++) {
        int prime = 1;
        for (int d = 2; d * d <= n; d++) {
            if (n % d == 0) {
                prime = 0;
                break;
            }
        }
        count += prime;
    }
    return count;
}

int main(int argc, char** argv) {
    struct utsname u;
    if (uname(&u) != 0) {
        perror("uname");
        return 1;
    }
    printf("Hello from %s on %s (%s)\n", argv[0], u.machine, u.sysname);
    draw_mandelbrot();
    printf("primes below 200000: %d\n", count_primes(200000));
    return argc > 1 ? 3 : 0;
}
